import fs from 'node:fs';

/** statfs f_type magic numbers (<linux/magic.h>) of the filesystems layers are kept on. */
const FS_NAMES: Record<number, string> = {
  0xef53: 'extfs',
  0x58465342: 'xfs',
  0x9123683e: 'btrfs',
  0x01021994: 'tmpfs',
  0x794c7630: 'overlayfs',
  0x2fc12fc1: 'zfs',
  0x65735546: 'fuse',
};

/**
 * The filesystem `dir` lives on, named as Docker's `Backing Filesystem` line names it (extfs,
 * xfs, ...), or its magic number in hex when it is none of those.
 */
export function backingFilesystem(dir: string): string {
  const type = fs.statfsSync(dir).type;
  return FS_NAMES[type] ?? `0x${type.toString(16)}`;
}
