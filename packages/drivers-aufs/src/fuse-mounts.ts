import type { Mount } from '@layerctl/snapshotter';
import { checkBranchPath, type Branches } from './branches.ts';

/**
 * The Mount data of the FUSE path: fuse-overlayfs over the aufs branches, which it reads as
 * they are (`.wh.` whiteouts and `.wh..wh..opq` in lower dirs are its own format too). Pure.
 *
 * A layer with no ancestors has nothing to unite: it is its own branch, bound (read-only for a
 * view), which spares a FUSE server and its cost for base layers.
 */

/** The mount type the snapshotter's mount helper runs fuse-overlayfs for. */
export const FUSE_OVERLAYFS_TYPE = 'fuse.fuse-overlayfs';
export const FUSE_OVERLAYFS = 'fuse-overlayfs';

/**
 * With the kernel's writeback cache (fuse-overlayfs's default) the kernel stamps a written file's
 * mtime itself, and the server's own write later stamps another: the tree read back after a
 * remount would not be the tree seen while mounted. Off, every write goes to the server at once.
 */
const NO_WRITEBACK_CACHE = 'writeback=0';

export function fuseMounts(b: Branches): Mount[] {
  if (b.ro.length === 0) {
    const dir = b.rw?.diff ?? b.own;
    return [{ type: 'bind', source: dir, options: b.rw === undefined ? ['rbind', 'ro'] : ['rbind'] }];
  }
  const lowerdir = `lowerdir=${b.ro.map(checkBranchPath).join(':')}`;
  if (b.rw === undefined) return [{ type: FUSE_OVERLAYFS_TYPE, source: FUSE_OVERLAYFS, options: [lowerdir, 'ro'] }];
  const upper = [`upperdir=${checkBranchPath(b.rw.diff)}`, `workdir=${checkBranchPath(b.rw.work)}`];
  return [{ type: FUSE_OVERLAYFS_TYPE, source: FUSE_OVERLAYFS, options: [lowerdir, ...upper, NO_WRITEBACK_CACHE] }];
}
