import fs from 'node:fs';
import { errorCode } from '@layerctl/snapshotter';

/**
 * A process named so that it cannot be confused with a later one: pids are reused, but a pid
 * together with its start time (field 22 of /proc/<pid>/stat, clock ticks since boot) is unique
 * until the next boot.
 */
export interface ProcessIdentity {
  pid: number;
  startTime: number;
}

/** proc(5): after the parenthesised comm, fields count from 3 (state); starttime is field 22. */
const START_TIME_AFTER_COMM = 22 - 3;
const STATE_AFTER_COMM = 0;
/** A zombie has exited; only its parent's wait is pending. */
const ZOMBIE_STATES = new Set(['Z', 'X']);

/** The identity of a live process, or undefined when there is none with this pid (or it has already exited). */
export function processIdentity(pid: number): ProcessIdentity | undefined {
  const fields = statFields(pid);
  if (fields === undefined || ZOMBIE_STATES.has(fields[STATE_AFTER_COMM] ?? '')) return undefined;
  const startTime = Number(fields[START_TIME_AFTER_COMM]);
  return Number.isSafeInteger(startTime) ? { pid, startTime } : undefined;
}

/** Whether the process the identity names is still alive (not exited, not replaced by another under its pid). */
export function identityAlive(identity: ProcessIdentity): boolean {
  return processIdentity(identity.pid)?.startTime === identity.startTime;
}

/** The fields of /proc/<pid>/stat after the comm, which may itself hold spaces and parentheses. */
function statFields(pid: number): string[] | undefined {
  if (!Number.isSafeInteger(pid) || pid < 1) return undefined;
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT' || errorCode(err) === 'ESRCH') return undefined;
    throw err;
  }
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}
