import type { DeviceFs } from './options.ts';

/**
 * The filesystem on the devices: how the base device is formatted and how a device mounts.
 *
 * Every device is a block-level copy of its parent, so all of them carry the base's UUID:
 * - xfs refuses to mount a second filesystem with a UUID already mounted unless told `nouuid`;
 *   read-only it must also skip log recovery (`norecovery`), which would write.
 * - ext4 read-only mounts skip journal replay with `noload` (replay writes to the device).
 * - ext4's lazy inode-table init would have every mount zero the tables in the background,
 *   copying them into each snapshot: formatted lazily, mounted with `noinit_itable`.
 * - No `discard` (as Docker's devicemapper mounts): freed blocks stay in the image until the
 *   device is removed; online discard would punch holes in the image while the filesystem runs.
 */

/** The loop devices' logical block size: direct I/O needs the pool filesystem's block size. */
export const DEVICE_BLOCK_SIZE = 4096;

export function mkfsCommand(fs: DeviceFs, image: string): [string, string[]] {
  if (fs === 'xfs') return ['mkfs.xfs', ['-q', '-f', '-s', `size=${DEVICE_BLOCK_SIZE}`, '-m', 'reflink=0', image]];
  return ['mkfs.ext4', ['-q', '-F', '-b', String(DEVICE_BLOCK_SIZE), '-m', '0', '-E', 'lazy_itable_init=1,lazy_journal_init=1,nodiscard', image]];
}

export function mountOptions(fs: DeviceFs, readonly: boolean): string[] {
  if (fs === 'xfs') return readonly ? ['ro', 'norecovery', 'nouuid'] : ['nouuid'];
  return readonly ? ['ro', 'noload', 'noinit_itable'] : ['noinit_itable'];
}

/** The directory mkfs leaves in the root, which an empty layer must not show. */
export const MKFS_LEFTOVERS: Record<DeviceFs, string[]> = { ext4: ['lost+found'], xfs: [] };
