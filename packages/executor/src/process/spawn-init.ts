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

/**
 * Spawns the init as PID 1 of a new pid namespace. unshare(CLONE_NEWPID) changes only where this
 * thread's future children go, and only this (main) thread forks in child_process.spawn, so: save
 * our own pid namespace, unshare, spawn, and setns back at once, before anything else can fork.
 */
export function spawnInit(bundle: string, procsFiles: readonly string[], stdio: StdioOptions, newPidNamespace: boolean, detached: boolean): ChildProcess {
  const args = [...INIT_NODE_OPTIONS, INIT_MAIN, bundle, ...procsFiles];
  const options = { stdio, detached, env: { NODE_COMPILE_CACHE: INIT_COMPILE_CACHE } };
  if (!newPidNamespace) return spawn(process.execPath, args, options);
  const ownFd = fs.openSync(OWN_PID_NAMESPACE, 'r');
  try {
    unshare(CLONE_NEWPID);
    try {
      return spawn(process.execPath, args, options);
    } finally {
      setns(ownFd, CLONE_NEWPID, OWN_PID_NAMESPACE);
    }
  } finally {
    fs.closeSync(ownFd);
  }
}
