import { spawnSync } from 'node:child_process';
import { FailedPreconditionError } from '@layerctl/sys';

/** The pid of a process that has exited and been reaped: nothing runs under it now. */
export function deadPid(): number {
  const child = spawnSync('true');
  if (child.pid === undefined) throw new FailedPreconditionError('could not run true(1)');
  return child.pid;
}
