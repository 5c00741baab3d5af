import fs from 'node:fs';
import path from 'node:path';

/** Bytes of a stat block count (st_blocks is always in 512-byte units). */
const BLOCK_SIZE = 512n;

/**
 * Disk used under `dir` (not `dir` itself, so an empty layer uses nothing): allocated blocks, as
 * du(1) counts them, and inodes, each hard-linked inode once.
 */
export function diskUsage(dir: string): { size: number; inodes: number } {
  const seen = new Set<bigint>();
  let size = 0n;
  const walk = (at: string): void => {
    for (const child of fs.readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, child.name);
      const stat = fs.lstatSync(full, { bigint: true });
      if (!seen.has(stat.ino)) {
        seen.add(stat.ino);
        size += stat.blocks * BLOCK_SIZE;
      }
      if (child.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return { size: Number(size), inodes: seen.size };
}
