import { MS_BIND, MS_RDONLY, MS_REMOUNT } from '@layerctl/sys';
import { type InitOp, initOp } from '../init/init-plan.ts';

/**
 * Masks paths after pivot_root (so every path is the container's own): the init mounts an empty
 * read-only tmpfs over a directory and binds /dev/null on anything else. A path the kernel does
 * not have (no /proc/scsi here) is left alone, as runc does.
 */
export function maskPathsPlan(paths: readonly string[]): InitOp[] {
  return paths.map((target) => initOp('mask_path', target));
}

/** Makes paths read-only: each is bound on itself, then the bind remounted read-only (missing ones are left alone). */
export function readonlyPathsPlan(paths: readonly string[]): InitOp[] {
  return paths.map((target) => initOp('readonly_path', target));
}

/** Makes the whole root read-only (the spec's root.readonly). */
export function readonlyRootPlan(): InitOp[] {
  return [initOp('mount', '', '/', '', MS_BIND | MS_REMOUNT | MS_RDONLY, '')];
}
