import fs from 'node:fs';
import { umount2 } from '@layerctl/sys';

/**
 * The bench's own mounts, found the way the kernel sees them: every mount point at or below the
 * work dir in /proc/self/mountinfo. Cleanup unmounts exactly those (deepest and newest first), so
 * a mount the bench made and lost track of (an interrupted mountAll, a driver mount) still goes,
 * and nothing outside the work dir is ever touched.
 */

const MOUNTINFO = '/proc/self/mountinfo';
/** Field 5 of a mountinfo line (0-based 4) is the mount point, with space, tab, newline and backslash as \ooo. */
const MOUNT_POINT_FIELD = 4;

/** Mount points at or below `dir`, in mount order (a point mounted twice is listed twice). */
export function mountsUnder(dir: string): string[] {
  const points: string[] = [];
  for (const line of fs.readFileSync(MOUNTINFO, 'utf8').split('\n')) {
    const field = line.split(' ')[MOUNT_POINT_FIELD];
    if (field === undefined) continue;
    const point = field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
    if (point === dir || point.startsWith(`${dir}/`)) points.push(point);
  }
  return points;
}

/** Unmounts everything at or below `dir`, newest first; returns how many mounts it took off. */
export function unmountUnder(dir: string): number {
  const points = mountsUnder(dir).reverse();
  for (const point of points) umount2(point);
  return points.length;
}
