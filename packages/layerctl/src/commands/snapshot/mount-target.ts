import fs from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError, SysError, umount2 } from '@layerctl/sys';

const { EINVAL, ENOENT } = constants.errno;

/**
 * `target` as a real path (symlinks resolved, as mountinfo names mount points), checked to be an
 * existing directory, which every mount a snapshot has needs.
 */
export function checkMountTarget(target: string): string {
  const absolute = path.resolve(target);
  const stats = fs.statSync(absolute, { throwIfNoEntry: false });
  if (stats === undefined) throw new NotFoundError(`mount target ${absolute} does not exist; make the directory first`);
  if (!stats.isDirectory()) throw new InvalidArgumentError(`mount target ${absolute} is not a directory`);
  return fs.realpathSync(absolute);
}

/**
 * Takes every mount off `target`, as `snapshot mount` stacked them, and returns its real path.
 * A target that is no mount point is refused: the first umount2(2) says so (EINVAL) before
 * anything is undone, so a typo never falls through to whatever is mounted further up the path.
 */
export async function unmountTarget(target: string): Promise<string> {
  const absolute = path.resolve(target);
  try {
    umount2(absolute);
  } catch (err) {
    if (err instanceof SysError && err.errno === EINVAL) throw new FailedPreconditionError(`${absolute} is not a mount point; nothing to unmount`, { cause: err });
    if (err instanceof SysError && err.errno === ENOENT) throw new NotFoundError(`${absolute} does not exist; nothing to unmount`, { cause: err });
    throw err;
  }
  const { unmountAll } = await import('@layerctl/snapshotter');
  unmountAll(absolute);
  return fs.realpathSync(absolute);
}
