import { FailedPreconditionError } from '@layerctl/sys';
import type { Cgroup } from './cgroup.ts';

/**
 * After a failed create: removes what was made and throws the failure. If the removal fails too,
 * the error says both, so the leftover directory is not a surprise later.
 */
export function undoCreate(cgroup: Cgroup, failure: unknown): never {
  try {
    cgroup.remove();
  } catch (removeFailure) {
    throw new FailedPreconditionError(
      `creating cgroup ${cgroup.path} failed (${String(failure)}), and removing what was made failed too (${String(removeFailure)})`,
      { cause: failure },
    );
  }
  throw failure;
}
