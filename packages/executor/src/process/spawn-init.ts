import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CLONE_NEWPID, setns, unshare } from '@layerctl/sys';

/** The init's entry point, run by this very Node binary. */
const INIT_MAIN = fileURLToPath(new URL('../init/init-main.ts', import.meta.url));
const OWN_PID_NAMESPACE = '/proc/self/ns/pid';

/** Node's own options for the init: no warning may reach the container's stderr. */
const INIT_NODE_OPTIONS = ['--no-warnings'];
/**
 * Node's compile cache for the init's modules: stripping the types of its few dozen files costs
 * hundreds of milliseconds on every start without it, and ~nothing with it. It sits with the
 * package (root-owned like the code), not in a world-writable /tmp where another user could
 * plant compiled code for a root process to run.
 */
const INIT_COMPILE_CACHE = fileURLToPath(new URL('../../node_modules/.cache/layerctl-init', import.meta.url));

/** Where the init goes: PID 1 of a new pid namespace, into an existing one (its path), or the host's. */
export type PidNamespace = { kind: 'new' } | { kind: 'join'; path: string } | { kind: 'host' };

/**
 * Spawns the init in its pid namespace. unshare(CLONE_NEWPID), like setns(CLONE_NEWPID), changes
 * only where this thread's future children go, and only this (main) thread forks in
 * child_process.spawn, so: save our own pid namespace, unshare (or setns into the one to join),
 * spawn, and setns back at once, before anything else can fork.
 */
export function spawnInit(bundle: string, procsFiles: readonly string[], stdio: StdioOptions, pid: PidNamespace, detached: boolean): ChildProcess {
  const args = [...INIT_NODE_OPTIONS, INIT_MAIN, bundle, ...procsFiles];
  const options = { stdio, detached, env: { NODE_COMPILE_CACHE: INIT_COMPILE_CACHE } };
  if (pid.kind === 'host') return spawn(process.execPath, args, options);
  const ownFd = fs.openSync(OWN_PID_NAMESPACE, 'r');
  try {
    enterForChildren(pid);
    try {
      return spawn(process.execPath, args, options);
    } finally {
      setns(ownFd, CLONE_NEWPID, OWN_PID_NAMESPACE);
    }
  } finally {
    fs.closeSync(ownFd);
  }
}

function enterForChildren(pid: Exclude<PidNamespace, { kind: 'host' }>): void {
  if (pid.kind === 'new') {
    unshare(CLONE_NEWPID);
    return;
  }
  const fd = fs.openSync(pid.path, 'r');
  try {
    setns(fd, CLONE_NEWPID, pid.path);
  } finally {
    fs.closeSync(fd);
  }
}
