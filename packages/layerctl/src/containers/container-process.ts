import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import fs from 'node:fs';
import tty from 'node:tty';
import { once } from 'node:events';
import { constants } from 'node:os';
import { NotSupportedError, wrapNodeError } from '@layerctl/sys';
import { errorCode } from '@layerctl/snapshotter';
import type { RuntimeName } from './container-config.ts';
import { runtimeCommand } from './runtime-command.ts';
import { containerPaths } from './container-paths.ts';
import type { ContainerRecord } from './container-store.ts';

/** How a container's run ended, as `run` reports it: Docker's status (128 + signal for a signal). */
export interface ContainerExit {
  code: number;
  oomKilled: boolean;
}

/** A started container, whichever runtime runs it. */
export interface StartedContainer {
  /** Host pid of the container's PID 1 (for crun and runc: of the runtime process that waits on it). */
  readonly pid: number;
  /** The container's output, for stdout or stderr given as 'pipe'. */
  readonly stdout?: Readable | undefined;
  readonly stderr?: Readable | undefined;
  wait(): Promise<ContainerExit>;
  kill(signal: NodeJS.Signals): void;
}

/** Where the container's stdio goes: this process's own (inherit), nothing, a pipe to this process, or an open fd (the log). */
export type Stdio = 'inherit' | 'ignore' | 'pipe' | number;

/** The exit status of a process killed by a signal, as a shell and Docker report it. */
const SIGNAL_STATUS_BASE = 128;

/**
 * Starts the container's bundle (written by container-bundle.ts, rootfs mounted) with our
 * executor, or hands the same bundle to crun or runc (`--runtime`), which then make the cgroups
 * and namespaces themselves. Resolves once the container's program runs.
 */
export async function startContainerProcess(rootDir: string, record: ContainerRecord, stdio: { stdin: Stdio; stdout: Stdio; stderr: Stdio }): Promise<StartedContainer> {
  const bundle = containerPaths(rootDir, record.id).dir;
  if (record.config.runtime !== 'layerctl') return startWithRuntime(record.config.runtime, bundle, record.id, stdio);
  if (record.config.tty && stdio.stdout === 'inherit') return attachedToTerminal(record, bundle);
  const { startContainer } = await import('@layerctl/executor');
  const started = await startContainer({ id: record.id, bundle, ...stdio });
  if (started.terminal !== undefined && typeof stdio.stdout === 'number') copyTerminal(started.terminal.master, stdio.stdout);
  return {
    pid: started.pid,
    stdout: started.stdout,
    stderr: started.stderr,
    async wait() {
      const status = await started.wait();
      return { code: exitCode(status.code, status.signal), oomKilled: status.oomKilled };
    },
    kill: (signal) => started.kill(signal),
  };
}

/**
 * A -t container in the foreground: the executor's runContainer attaches it to this process's
 * terminal (raw mode, window size, restored at the end), which startContainer leaves to its
 * caller. runContainer does not tell the pid, so it is found in the container's cgroup: the
 * process whose innermost pid (NSpid) is 1.
 */
async function attachedToTerminal(record: ContainerRecord, bundle: string): Promise<StartedContainer> {
  const { openCgroup, runContainer } = await import('@layerctl/executor');
  const done = runContainer({ id: record.id, bundle });
  let ended = false;
  void done.finally(() => (ended = true)).catch(() => undefined);
  let pid: number | undefined;
  while (pid === undefined) {
    if (ended) await done;
    pid = openCgroup(record.config.cgroupsPath)?.pids().find(isNamespaceInit);
    if (pid === undefined) await new Promise((resolve) => setTimeout(resolve, INIT_POLL_MS));
  }
  const found = pid;
  return {
    pid: found,
    async wait() {
      const status = await done;
      return { code: exitCode(status.code, status.signal), oomKilled: status.oomKilled };
    },
    // runContainer passes these on itself; forwarding them again would deliver each twice.
    kill: (signal) => {
      if (!RUN_CONTAINER_FORWARDS.has(signal)) process.kill(found, signal);
    },
  };
}

/** The signals the executor's runContainer forwards to the container on its own. */
const RUN_CONTAINER_FORWARDS: ReadonlySet<NodeJS.Signals> = new Set(['SIGINT', 'SIGTERM', 'SIGHUP']);

/**
 * A detached -t container writes to its pty; what it writes goes to `out` (the log). The master
 * reads EIO once the container's side has no holder left: that is the end, not a failure.
 */
function copyTerminal(master: number, out: number): void {
  const reader = new tty.ReadStream(master);
  reader.on('data', (chunk: Buffer | string) => {
    fs.writeSync(out, typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  });
  reader.on('error', (err) => {
    if (errorCode(err) !== 'EIO') throw err;
  });
}

/** How often the cgroup is looked at for the container's PID 1 while it starts. */
const INIT_POLL_MS = 2;

/** Whether the process is PID 1 of its own (innermost) pid namespace. */
function isNamespaceInit(pid: number): boolean {
  let status: string;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return false;
    throw err;
  }
  const nspid = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/);
  return nspid !== undefined && nspid.length > 1 && nspid.at(-1) === '1';
}

export function exitCode(code: number | null | undefined, signal: NodeJS.Signals | null | undefined): number {
  if (signal !== undefined && signal !== null) return SIGNAL_STATUS_BASE + constants.signals[signal];
  return code ?? SIGNAL_STATUS_BASE;
}

async function startWithRuntime(runtime: Exclude<RuntimeName, 'layerctl'>, bundle: string, id: string, stdio: { stdin: Stdio; stdout: Stdio; stderr: Stdio }): Promise<StartedContainer> {
  const child = spawn(...runtimeCommand(runtime, ['run', '--bundle', bundle, id]), { stdio: [stdio.stdin, stdio.stdout, stdio.stderr] });
  const exited = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(exitCode(code, signal))));
  try {
    await once(child, 'spawn');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') throw new NotSupportedError(`--runtime ${runtime}: ${runtime} is not installed (Debian package ${runtime})`, { cause: err });
    throw wrapNodeError(err, runtime);
  }
  return {
    pid: child.pid ?? 0,
    stdout: child.stdout ?? undefined,
    stderr: child.stderr ?? undefined,
    async wait() {
      return { code: await exited, oomKilled: false };
    },
    kill: (signal) => child.kill(signal),
  };
}
