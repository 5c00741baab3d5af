import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { LayerctlError } from '@layerctl/sys';
import type { SnapshotContext } from '../with-snapshotter.ts';
import { containerPaths } from './container-paths.ts';
import { startContainerProcess, type StartedContainer } from './container-process.ts';
import { LOG_MODE, teeOutput } from './container-log.ts';
import { ContainerStore, type ContainerRecord } from './container-store.ts';
import { processIdentity } from './process-identity.ts';
import { releaseRuntime, removeContainer, type ReleaseOptions } from './remove-container.ts';

/** The signals a foreground `run` passes on to the container instead of dying of them. */
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** The monitor of a detached container: a small node process of its own (monitor-main.ts). */
const MONITOR_MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'monitor-main.ts');
/** The fd on which the monitor reports that the container started, or why not (one JSON line). */
export const MONITOR_STATUS_FD = 3;

/**
 * Runs a created container in this process and waits for it: its stdio is ours (stdin only with
 * -i), signals sent to us go to it, and its exit status is the one returned. Without --rm or -t
 * its output also goes to its log, as Docker keeps it, for `logs` afterwards. The record shows
 * it running meanwhile (pid and start time), so `ps`, `stop` and `kill` from another shell find
 * it. After it exits: the status recorded, the rootfs unmounted and the cgroups removed, and with
 * --rm the container removed.
 */
export async function runForeground(context: SnapshotContext, record: ContainerRecord): Promise<number> {
  const store = new ContainerStore(context.root.metadata);
  let started: StartedContainer;
  // A --rm container's log would go with it, and a terminal is copied by the executor: both write straight to ours.
  const output = record.config.autoRemove || record.config.tty ? 'inherit' : 'pipe';
  try {
    started = await startContainerProcess(context.root.dir, record, { stdin: record.config.interactive ? 'inherit' : 'ignore', stdout: output, stderr: output });
  } catch (err) {
    await afterRun(context, record);
    throw err;
  }
  // Forwarding first: once the record says running, another shell may signal us.
  const forward = (signal: NodeJS.Signals): void => started.kill(signal);
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  store.markRunning(record.id, processIdentity(started.pid) ?? { pid: started.pid, startTime: 0 });
  const copied = teeOutput(containerPaths(context.root.dir, record.id).log, [
    [started.stdout, process.stdout],
    [started.stderr, process.stderr],
  ]);
  let cgroupRemoved = false;
  try {
    const exit = await started.wait();
    // Our executor removes the cgroups as PID 1 exits; crun and runc leave theirs to delete.
    cgroupRemoved = record.config.runtime === 'layerctl';
    await copied;
    store.markExited(record.id, exit.code, exit.oomKilled);
    return exit.code;
  } finally {
    for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
    await afterRun(context, record, { cgroupRemoved });
  }
}

/** What follows a run, whoever watched it: rootfs and cgroups released; with --rm the container removed. */
export async function afterRun(context: SnapshotContext, record: ContainerRecord, released: ReleaseOptions = {}): Promise<void> {
  const now = record.config.autoRemove ? new ContainerStore(context.root.metadata).find(record.id) : undefined;
  // Removal releases the rootfs and cgroups first itself.
  if (now === undefined) await releaseRuntime(context, record, released);
  else await removeContainer(context, now, { force: true, ...released });
}

/**
 * Starts a created container under a monitor of its own (`-d`): a node process in its own
 * session, its stdout and stderr on the container's log file, that starts the container, records
 * its pid, waits and records the exit status, so the container outlives this command. Resolves
 * once the monitor reports the container started; its failure to start is this command's error.
 */
export async function runDetached(rootDir: string, record: ContainerRecord): Promise<void> {
  const log = fs.openSync(containerPaths(rootDir, record.id).log, 'a', LOG_MODE);
  const monitor = spawn(process.execPath, [MONITOR_MAIN, rootDir, record.id], { detached: true, stdio: ['ignore', log, log, 'pipe'] });
  fs.closeSync(log);
  const status = monitor.stdio[MONITOR_STATUS_FD];
  if (!(status instanceof Readable)) throw new LayerctlError(`the monitor of container ${record.name} has no status pipe`);
  let text = '';
  status.setEncoding('utf8');
  status.on('data', (chunk: string) => (text += chunk));
  const exit = new Promise<number | null>((resolve) => monitor.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    monitor.on('error', reject);
    status.on('close', () => resolve());
  });
  const report = parseReport(text);
  if (report.error !== undefined) {
    await exit;
    const { ContainerStartError } = await import('@layerctl/executor');
    throw new ContainerStartError(report.error, report.status ?? 1);
  }
  if (report.pid === undefined) throw new LayerctlError(`the monitor of container ${record.name} ended without starting it (exit status ${await exit}); see ${containerPaths(rootDir, record.id).log}`);
  monitor.unref();
}

/** The monitor's one line: {"pid": N} or {"error": "...", "status": N}; anything else counts as no report. */
export function parseReport(text: string): { pid?: number; error?: string; status?: number } {
  const line = text.split('\n')[0] ?? '';
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    // A monitor that died before reporting wrote nothing parseable; the caller says so.
    return {};
  }
  if (typeof value !== 'object' || value === null) return {};
  const pid = 'pid' in value && typeof value.pid === 'number' ? value.pid : undefined;
  const error = 'error' in value && typeof value.error === 'string' ? value.error : undefined;
  const status = 'status' in value && typeof value.status === 'number' ? value.status : undefined;
  return { ...(pid === undefined ? {} : { pid }), ...(error === undefined ? {} : { error }), ...(status === undefined ? {} : { status }) };
}
