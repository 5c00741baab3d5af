import type fs from 'node:fs';

/** Whether lstat found an overlay-style whiteout: a char device 0/0 (fuse-overlayfs writes them as root). */
export function isWhiteoutDevice(stat: fs.BigIntStats | fs.Stats): boolean {
  return stat.isCharacterDevice() && BigInt(stat.rdev) === 0n;
}
