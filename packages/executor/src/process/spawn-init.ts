import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import fs from 'node:fs';
import { CLONE_NEWPID, setns, unshare } from '@layerctl/sys';
import { initBinary } from '../init/init-binary.ts';

const OWN_PID_NAMESPACE = '/proc/self/ns/pid';

/** Where the init goes: PID 1 of a new pid namespace, into an existing one (its path), or the host's. */
export type PidNamespace = { kind: 'new' } | { kind: 'join'; path: string } | { kind: 'host' };

/**
 * Spawns the init (native/init, built on first use) in its pid namespace, with an empty
 * environment: what the program gets is in the plan. unshare(CLONE_NEWPID), like
 * setns(CLONE_NEWPID), changes only where this thread's future children go, and only this (main)
 * thread forks in child_process.spawn, so: save our own pid namespace, unshare (or setns into the
 * one to join), spawn, and setns back at once, before anything else can fork.
 */
export function spawnInit(stdio: StdioOptions, pid: PidNamespace, detached: boolean): ChildProcess {
  const binary = initBinary();
  const options = { stdio, detached, env: {} };
  if (pid.kind === 'host') return spawn(binary, [], options);
  const ownFd = fs.openSync(OWN_PID_NAMESPACE, 'r');
  try {
    enterForChildren(pid);
    try {
      return spawn(binary, [], options);
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
