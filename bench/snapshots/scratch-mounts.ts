import { mountPoints, umount2 } from '@layerctl/sys';

/**
 * The bench's own mounts, found the way the kernel sees them: every mount point at or below the
 * work dir in /proc/self/mountinfo. Cleanup unmounts exactly those (deepest and newest first), so
 * a mount the bench made and lost track of (an interrupted mountAll, a driver mount) still goes,
 * and nothing outside the work dir is ever touched.
 */

/** Mount points at or below `dir`, in mount order (a point mounted twice is listed twice). */
export function mountsUnder(dir: string): string[] {
  return mountPoints().filter((point) => point === dir || point.startsWith(`${dir}/`));
}

/** Unmounts everything at or below `dir`, newest first; returns how many mounts it took off. */
export function unmountUnder(dir: string): number {
  const points = mountsUnder(dir).reverse();
  for (const point of points) umount2(point);
  return points.length;
}
