import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { wrapNodeError } from '@layerctl/sys';

/** The kernel's knob: 3 drops the page cache and the dentry and inode caches. */
const DROP_CACHES = '/proc/sys/vm/drop_caches';
const DROP_ALL = '3';

/**
 * Writes dirty pages out and empties the page cache, dentries and inodes, so that the next read
 * comes from the device: what a figure marked cold claims. It is machine-wide (root only).
 */
export function dropCaches(): void {
  execFileSync('sync');
  try {
    fs.writeFileSync(DROP_CACHES, DROP_ALL);
  } catch (err) {
    throw wrapNodeError(err, DROP_CACHES);
  }
}
