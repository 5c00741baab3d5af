import { constants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { FailedPreconditionError, InvalidArgumentError } from '@layerctl/sys';
import { errorCode } from '@layerctl/snapshotter';
import { ContainerStore, type ContainerRecord } from './container-store.ts';
import { runRuntime } from './runtime-command.ts';
import { identityAlive } from './process-identity.ts';
import type { MetadataStore } from '@layerctl/snapshotter';

/** How often a waiter looks whether the process is gone. */
const POLL_MS = 20;
/** How long a process killed with SIGKILL may take to go (its memory freed, its mounts dropped). */
export const KILL_WAIT_MS = 10_000;
/** How long the monitor gets to record the exit status it saw before the waiter records "unknown". */
const MONITOR_GRACE_MS = 2_000;

export function isLive(record: ContainerRecord): boolean {
  return record.state === 'running' || record.state === 'paused';
}

/**
 * Sends `signal` to the container's PID 1, named by pid and start time so that a reused pid is
 * never signalled. PID 1 of a pid namespace gets only the signals it has a handler for (and
 * SIGKILL), which is why `stop` falls back to SIGKILL. A paused container is thawed after the
 * signal, so that it can act on it (a frozen process does not even die).
 */
export async function signalContainer(record: ContainerRecord, signal: NodeJS.Signals | number): Promise<void> {
  if (!isLive(record) || record.process === undefined) throw new FailedPreconditionError(`container ${record.name} is not running`);
  // crun and runc: the recorded pid is the runtime's, which waits on the container; the runtime signals the container itself.
  if (record.config.runtime !== 'layerctl') return runRuntime(record.config.runtime, ['kill', record.id, String(signal)]);
  try {
    process.kill(record.process.pid, signal);
  } catch (err) {
    if (errorCode(err) !== 'ESRCH') throw err;
  }
  if (record.state === 'paused') {
    const { openCgroup } = await import('@layerctl/executor');
    openCgroup(record.config.cgroupsPath)?.thaw();
  }
}

/** Waits until the container's process is gone; false when it still runs after `timeoutMs`. */
export async function waitForExit(record: ContainerRecord, timeoutMs: number): Promise<boolean> {
  const identity = record.process;
  if (identity === undefined) return true;
  const deadline = Date.now() + timeoutMs;
  while (identityAlive(identity)) {
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
  return true;
}

/**
 * After the process is gone: gives the monitor (or the foreground `run`) a moment to record the
 * exit status it saw, then records it as unknown if nobody did. Returns the record as it ends.
 */
export async function settleExit(metadata: MetadataStore, record: ContainerRecord): Promise<ContainerRecord> {
  const store = new ContainerStore(metadata);
  const deadline = Date.now() + MONITOR_GRACE_MS;
  for (;;) {
    const now = store.find(record.id);
    if (now === undefined || now.state === 'exited') return now ?? record;
    if (Date.now() >= deadline) {
      store.markExited(record.id, undefined, false);
      return store.find(record.id) ?? record;
    }
    await sleep(POLL_MS);
  }
}

/** Docker's stop: `signal` (SIGTERM), then SIGKILL after `seconds`; resolves once the process is gone. */
export async function stopContainer(record: ContainerRecord, seconds: number, signal: NodeJS.Signals | number = 'SIGTERM'): Promise<void> {
  await signalContainer(record, signal);
  if (await waitForExit(record, seconds * 1000)) return;
  await signalContainer(record, 'SIGKILL');
  if (!(await waitForExit(record, KILL_WAIT_MS))) {
    throw new FailedPreconditionError(`container ${record.name}: its process ${record.process?.pid} outlived SIGKILL by ${KILL_WAIT_MS / 1000} s; is it stuck in the kernel (D state)?`);
  }
}

/** A signal as docker kill -s takes it: a number, or a name with or without SIG. */
export function parseSignal(text: string): NodeJS.Signals | number {
  if (/^\d+$/.test(text)) return Number(text);
  const name = `SIG${text.toUpperCase().replace(/^SIG/, '')}`;
  const known = Object.keys(constants.signals).find((signal): signal is NodeJS.Signals => signal === name);
  if (known === undefined) throw new InvalidArgumentError(`--signal ${text}: not a signal name (try KILL, TERM, HUP, INT, USR1)`);
  return known;
}
