import { errorCode } from './error-code.ts';

/**
 * Whether a process with this pid exists (signal 0 checks without sending anything).
 *
 * A pid the kernel has since given to another process reads as alive: callers keep a dead
 * owner's leftovers a little longer, which is the safe side. Pids below 1 name process groups
 * for kill(2), never one process, so they count as dead.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid < 1) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if (errorCode(error) === 'ESRCH') return false;
    // EPERM: it exists but belongs to someone we may not signal.
    if (errorCode(error) === 'EPERM') return true;
    throw error;
  }
}
