import { FailedPreconditionError } from '@layerctl/sys';
import type { Cgroup } from './cgroup.ts';
import { signalEach } from './cgroup-tree.ts';

/**
 * Signals every process of a cgroup without a race against fork: frozen, no process can make a
 * new one between the listing and the signal. A SIGKILL takes effect only once the processes
 * run again (v1 keeps killed tasks frozen), so a kill always thaws; any other signal leaves a
 * paused container paused, its signal pending. When freezing fails (a task stuck in the
 * kernel), the signals go out unfrozen rather than not at all.
 */
export function killAllFrozen(cgroup: Cgroup, signal: NodeJS.Signals | number, canFreeze: boolean): void {
  // The common call is after the container's PID 1 died and took its namespace along: nothing left.
  if (cgroup.pids().length === 0) return;
  const wasFrozen = canFreeze && cgroup.state() === 'frozen';
  let frozeNow = false;
  if (canFreeze && !wasFrozen) {
    try {
      cgroup.freeze();
      frozeNow = true;
    } catch (err) {
      if (!(err instanceof FailedPreconditionError)) throw err;
    }
  }
  try {
    signalEach(cgroup.pids(), signal);
  } finally {
    if (frozeNow || (wasFrozen && isKill(signal))) cgroup.thaw();
  }
}

export function isKill(signal: NodeJS.Signals | number): boolean {
  return signal === 'SIGKILL' || signal === 9;
}
