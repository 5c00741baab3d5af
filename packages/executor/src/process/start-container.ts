import type { ChildProcess, StdioOptions } from 'node:child_process';
import fs from 'node:fs';
import { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { FailedPreconditionError, LayerctlError } from '@layerctl/sys';
import type { Cgroup } from '../cgroups/cgroup.ts';
import { cgroupAt, createCgroup } from '../cgroups/create-cgroup.ts';
import { detectCgroups } from '../cgroups/detect-cgroups.ts';
import { primeCgroupMove } from '../cgroups/prime-cgroup-move.ts';
import { containerPlan } from '../init/container-plan.ts';
import { encodePlan } from '../init/init-plan.ts';
import { ERROR_FD, EXIT_INIT_FAILED, GO_BYTE, GO_FD, PLAN_FD, parseInitFailure } from '../init/init-protocol.ts';
import { namespaceOf } from '../init/namespace-flags.ts';
import { readSpec } from '../spec/read-spec.ts';
import { containerTerminal, openContainerPty } from '../terminal/container-terminal.ts';
import type { Spec } from '../spec/runtime-spec.ts';
import { ContainerStartError } from './container-start-error.ts';
import { type ExitStatus, exitStatus } from './exit-status.ts';
import { joinCgroups } from './join-cgroups.ts';
import { keepOutput } from './keep-output.ts';
import { readInitFailure } from './read-init-failure.ts';
import { type PidNamespace, spawnInit } from './spawn-init.ts';

/** Where a container's stdin, stdout or stderr goes: ours, nowhere, a pipe to the caller, or an open fd. */
export type StdioTarget = 'inherit' | 'ignore' | 'pipe' | number;

export interface StartOptions {
  /** The container id; names the cgroups ('layerctl/<id>') when the spec's cgroupsPath is unset. */
  id: string;
  /** The bundle directory, holding config.json. */
  bundle: string;
  /** Defaults 'inherit'. Ignored with process.terminal: the pty is the container's stdio. */
  stdin?: StdioTarget;
  stdout?: StdioTarget;
  stderr?: StdioTarget;
  /** The init leads its own process group and session, and may outlive this process (`run -d`). */
  detached?: boolean;
  /** Leave the cgroups in place when the container exits (the caller removes them later). */
  keepCgroup?: boolean;
}

export interface ContainerProcess {
  /** Host pid of the container's PID 1. */
  readonly pid: number;
  readonly stdin?: Writable;
  readonly stdout?: Readable;
  readonly stderr?: Readable;
  /** With process.terminal: the pty's master side, this process's to read, write and close. */
  readonly terminal?: { master: number; resize(columns: number, rows: number): void };
  /** The container's cgroup (undefined if the spec asked for none). */
  readonly cgroup?: Cgroup;
  /** Resolves once, when PID 1 has exited (and the cgroups are removed unless kept). */
  wait(): Promise<ExitStatus>;
  kill(signal?: NodeJS.Signals | number): void;
}

/** The cgroup of a container without a cgroupsPath in its spec. */
export function defaultCgroupsPath(id: string): string {
  return `layerctl/${id}`;
}

/**
 * Starts the container's program from a bundle whose rootfs is mounted already. Resolves once the
 * program runs (the init exec'd it); rejects with ContainerStartError when it could not be
 * started, carrying Docker's exit status (125, 126 or 127), after the init has exited and the
 * cgroups are removed.
 */
export async function startContainer(options: StartOptions): Promise<ContainerProcess> {
  const spec = readSpec(options.bundle);
  const cgroupPath = spec.linux.resources === undefined && spec.linux.cgroupsPath === undefined ? undefined : (spec.linux.cgroupsPath ?? defaultCgroupsPath(options.id));
  const host = cgroupPath === undefined ? undefined : detectCgroups();
  // The grace period the init's first cgroup move waits for runs from here, while the plan is
  // built and the init spawned; making the cgroups waits for what is left of it (the kernel's
  // cgroup lock), so they are made last, while the init works through its plan's first steps.
  if (host !== undefined) void primeCgroupMove(host);
  const procsFiles = cgroupPath === undefined ? [] : cgroupAt(cgroupPath, host).procsFiles();
  const { plan, goes } = initPlan(spec, options.bundle, procsFiles);
  let child: ChildProcess;
  let pty: { master: number; slave: number } | undefined;
  try {
    pty = spec.process.terminal === true ? openContainerPty(spec) : undefined;
    const stdio: StdioOptions = pty === undefined
      ? [options.stdin ?? 'inherit', options.stdout ?? 'inherit', options.stderr ?? 'inherit', 'pipe', 'pipe', 'pipe']
      : [pty.slave, pty.slave, pty.slave, 'pipe', 'pipe', 'pipe'];
    child = spawnInit(stdio, pidNamespace(spec), options.detached === true);
  } catch (error) {
    if (pty !== undefined) fs.closeSync(pty.master);
    throw error;
  } finally {
    if (pty !== undefined) fs.closeSync(pty.slave);
  }
  const pipes = controlPipes(child);
  pipes.plan.end(plan);
  let cgroup: Cgroup | undefined;
  try {
    cgroup = cgroupPath === undefined ? undefined : createCgroup(cgroupPath, spec.linux.resources ?? {}, host);
  } catch (error) {
    // The init has not gone past its namespaces and first mounts, all its own: it goes, and the
    // failure is the start's.
    await killUnstarted(child);
    if (pty !== undefined) fs.closeSync(pty.master);
    throw error;
  }
  // The plan waits for this go before it mounts the cgroup directories, which exist now.
  if (goes > 1) pipes.go.write(Buffer.of(GO_BYTE));
  return started(child, pipes, procsFiles, options, cgroup, pty?.master);
}

/** Kills an init that was never given its last go, and waits until it is gone. */
async function killUnstarted(child: ChildProcess): Promise<void> {
  // 'error' instead of 'exit' when it never ran at all (a spawn that failed after the fact).
  const gone = new Promise((resolve) => {
    child.once('exit', resolve);
    child.once('error', resolve);
  });
  child.kill('SIGKILL');
  await gone;
}

/**
 * The init's plan, and how many times it waits for go: before exec, and before it mounts the
 * container's cgroup directories when it has any (the parent makes them meanwhile). A spec the
 * init could not carry out (a missing bind source, a user namespace) fails the start as the
 * init's own failures do: 125, before anything was made.
 */
function initPlan(spec: Spec, bundle: string, procsFiles: readonly string[]): { plan: Buffer; goes: number } {
  try {
    const ops = containerPlan(spec, bundle, procsFiles);
    return { plan: encodePlan(ops), goes: ops.filter((op) => op.op === 'wait_go').length };
  } catch (error) {
    if (error instanceof LayerctlError) throw new ContainerStartError(error.message, EXIT_INIT_FAILED, { cause: error });
    throw error;
  }
}

interface ControlPipes {
  go: Socket;
  errors: Socket;
  plan: Socket;
}

/** The init's go, error and plan pipes (init-protocol.ts), each with a write error left to the init's own account. */
function controlPipes(child: ChildProcess): ControlPipes {
  // Node types stdio as a tuple of five; the init has a sixth (the plan).
  const pipes: readonly unknown[] = child.stdio;
  const go = pipes[GO_FD];
  const errors = pipes[ERROR_FD];
  const plan = pipes[PLAN_FD];
  if (!(go instanceof Socket) || !(errors instanceof Socket) || !(plan instanceof Socket)) {
    throw new FailedPreconditionError('container init: its control pipes were not made');
  }
  plan.on('error', () => {
    // EPIPE: the init died before reading its plan; its error line and exit status tell why.
  });
  go.on('error', () => {
    // EPIPE: the init died before reading go; its error line and exit status tell why.
  });
  return { go, errors, plan };
}

/**
 * The spawned init, working through its plan: its cgroups joined (joinCgroups) meanwhile, then
 * the last go once the join is done; resolves once the program runs.
 */
async function started(child: ChildProcess, pipes: ControlPipes, procsFiles: readonly string[], options: StartOptions, cgroup: Cgroup | undefined, master: number | undefined): Promise<ContainerProcess> {
  const exited = waitForExit(child, cgroup, options.keepCgroup === true);
  const stdout = keepOutput(child.stdout);
  const stderr = keepOutput(child.stderr);
  // Marked as handled: a caller that never waits must not crash the process on a failed cgroup
  // removal; one that does wait still gets the rejection from wait().
  exited.catch(() => undefined);
  const failure = readInitFailure(pipes.errors);
  const joined = child.pid === undefined ? Promise.resolve(false) : joinCgroups(child.pid, procsFiles);
  try {
    await joined;
  } catch (error) {
    child.kill('SIGKILL');
    await Promise.allSettled([joined, exited]);
    if (master !== undefined) fs.closeSync(master);
    // An init that failed on its own (its cgroups then removed under the join) says why itself.
    const text = await failure;
    if (text !== '') throw startFailure(text);
    throw new ContainerStartError(`container init: joining its cgroups failed: ${error instanceof Error ? error.message : String(error)}`, EXIT_INIT_FAILED, { cause: error });
  }
  pipes.go.end(Buffer.of(GO_BYTE));
  const text = await failure;
  if (text !== '') {
    await exited;
    if (master !== undefined) fs.closeSync(master);
    throw startFailure(text);
  }
  if (options.detached === true) child.unref();
  if (child.pid === undefined) throw new FailedPreconditionError('container init: spawned without a pid');
  return {
    pid: child.pid,
    ...(child.stdin === null ? {} : { stdin: child.stdin }),
    ...(stdout === undefined ? {} : { stdout }),
    ...(stderr === undefined ? {} : { stderr }),
    ...(master === undefined ? {} : { terminal: containerTerminal(master) }),
    ...(cgroup === undefined ? {} : { cgroup }),
    wait: () => {
      // A detached init was unref'ed so that this process may exit first; a waiter stays for it.
      child.ref();
      return exited;
    },
    kill: (signal) => void child.kill(signal),
  };
}

/** The init's own error line as the start's failure. */
function startFailure(text: string): ContainerStartError {
  const { message, exitCode } = parseInitFailure(text);
  return new ContainerStartError(message, exitCode);
}

function pidNamespace(spec: Spec): PidNamespace {
  const pid = namespaceOf(spec.linux.namespaces, 'pid');
  if (pid === undefined) return { kind: 'host' };
  return pid.path === undefined ? { kind: 'new' } : { kind: 'join', path: pid.path };
}

function waitForExit(child: ChildProcess, cgroup: Cgroup | undefined, keepCgroup: boolean): Promise<ExitStatus> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      try {
        const status = exitStatus(code, signal, cgroup?.oomKilled() ?? false);
        // PID 1's death kills its pid namespace, so its cgroups are normally empty and go at once;
        // a process outside it (a joined pid namespace) may linger, and is killed first.
        if (cgroup !== undefined && !keepCgroup && !cgroup.removeIfEmpty()) {
          cgroup.killAll('SIGKILL');
          cgroup.remove();
        }
        resolve(status);
      } catch (error) {
        reject(error);
      }
    });
  });
}
