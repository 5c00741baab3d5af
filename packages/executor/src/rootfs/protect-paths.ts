import fs from 'node:fs';
import { MS_BIND, MS_RDONLY, MS_REC, MS_REMOUNT, mount, wrapNodeError } from '@layerctl/sys';

/** Where masked files are bound from: reads give nothing, writes vanish. */
const DEV_NULL = '/dev/null';

/**
 * Masks paths after pivot_root (so every path is the container's own): a directory gets an empty
 * read-only tmpfs over it, anything else /dev/null bound on it. A path the kernel does not have
 * (no /proc/scsi here) is left alone, as runc does.
 */
export function maskPaths(paths: readonly string[]): void {
  for (const target of paths) {
    const stat = statIfExists(target);
    if (stat === undefined) continue;
    if (stat.isDirectory()) mount('tmpfs', target, 'tmpfs', MS_RDONLY, 'size=0');
    else mount(DEV_NULL, target, null, MS_BIND);
  }
}

/** Makes paths read-only: each is bound on itself, then the bind remounted read-only. */
export function readonlyPaths(paths: readonly string[]): void {
  for (const target of paths) {
    if (statIfExists(target) === undefined) continue;
    mount(target, target, null, MS_BIND | MS_REC);
    mount('', target, null, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC);
  }
}

/** Makes the whole root read-only (the spec's root.readonly). */
export function readonlyRoot(): void {
  mount('', '/', null, MS_BIND | MS_REMOUNT | MS_RDONLY);
}

function statIfExists(target: string): fs.Stats | undefined {
  try {
    return fs.statSync(target);
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return undefined;
    throw wrapNodeError(error, target);
  }
}
