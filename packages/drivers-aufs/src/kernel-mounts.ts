import { MOUNT_DATA_MAX, type Mount } from '@layerctl/snapshotter';
import { checkBranchPath, type Branches } from './branches.ts';

/**
 * The Mount data of the kernel path: one aufs mount whose `br:` option names as many branches
 * as fit in one page of mount options (mount(2) copies one page), and then remounts that add
 * the rest with `append:<dir>=ro+wh`, as many per remount as fit (Docker's aufs driver does
 * the same one branch at a time). Pure; performed by the snapshotter's mount helper, which
 * knows the `remount` word.
 *
 * Branch roles (aufs(5) "Branch Syntax"): `rw` for the layer's own branch, `ro+wh` for the
 * ancestors: read-only, but their whiteouts still hide what lies below them.
 */

export const AUFS_TYPE = 'aufs';
/** aufs takes no device; Docker passes "none". */
const SOURCE = 'none';

export interface KernelAufsOptions {
  /** aufs's external inode number table, a file under the root's tmp/ (aufs(5) "xino="). */
  xino: string;
  /** Whether a trial mount accepted dirperm1 (permission checks on the top directory only). */
  dirperm1: boolean;
}

export function kernelAufsMounts(b: Branches, opts: KernelAufsOptions, pageMax: number = MOUNT_DATA_MAX): Mount[] {
  if (b.ro.length === 0 && b.rw === undefined) return [{ type: 'bind', source: b.own, options: ['rbind', 'ro'] }];
  const tail = [`xino=${checkBranchPath(opts.xino)}`, ...(opts.dirperm1 ? ['dirperm1'] : [])];
  const flags = b.rw === undefined ? ['ro'] : [];
  const entries = [...(b.rw === undefined ? [] : [`${checkBranchPath(b.rw.diff)}=rw`]), ...b.ro.map((dir) => `${checkBranchPath(dir)}=ro+wh`)];
  // The first mount holds `br:` plus the tail: what is left of the page after the tail goes to branches.
  const room = pageMax - tail.join(',').length - 1;
  let br = `br:${entries[0] ?? ''}`;
  let next = 1;
  for (; next < entries.length && br.length + 1 + (entries[next] ?? '').length <= room; next++) br += `:${entries[next] ?? ''}`;
  const mounts: Mount[] = [{ type: AUFS_TYPE, source: SOURCE, options: [br, ...tail, ...flags] }];
  let batch: string[] = [];
  const flush = (): void => {
    if (batch.length > 0) mounts.push({ type: AUFS_TYPE, source: SOURCE, options: ['remount', ...batch, ...flags] });
    batch = [];
  };
  for (const entry of entries.slice(next)) {
    const append = `append:${entry}`;
    if ([...batch, append].join(',').length > pageMax) flush();
    batch.push(append);
  }
  flush();
  return mounts;
}
