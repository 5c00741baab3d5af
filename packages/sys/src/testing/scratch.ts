import fs from 'node:fs';
import type { ExecutionContext } from 'ava';
import { FailedPreconditionError } from '../errors.ts';
import { MNT_DETACH } from '../mount-flags.ts';
import { umount2 } from '../mount.ts';
import { isMountPoint, mountPoints } from '../mount-points.ts';

/**
 * A fresh directory on tmpfs for one test, removed when the test ends, pass or fail.
 * It is left in place when something is still mounted inside it: a recursive remove would
 * walk into the mount and delete what it holds.
 */
export function scratchDir(t: ExecutionContext): string {
  const dir = fs.mkdtempSync('/dev/shm/layerctl-test-');
  t.teardown(() => {
    const busy = mountPoints().filter((m) => m.startsWith(`${dir}/`));
    if (busy.length > 0) {
      throw new FailedPreconditionError(`scratch ${dir} still has mounts (${busy.join(', ')}); left in place`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Unmounts `target` when the test ends if it is still mounted then; call right after mounting it. */
export function unmountInTeardown(t: ExecutionContext, target: string): void {
  t.teardown(() => {
    while (isMountPoint(target)) umount2(target, MNT_DETACH);
  });
}
