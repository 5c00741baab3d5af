import fs from 'node:fs';
import { sameMetadata, treeChanges, type Change } from '@layerctl/snapshotter';
import { wrapNodeError } from '@layerctl/sys';

/**
 * The changes of a device against its parent: the snapshotter's walk of both mounted trees
 * (devices hold whole filesystems, so there is no upper dir to read), with what a device can prove.
 *
 * A device is a block-level copy of its parent, so an entry the child never touched keeps its
 * inode number and its ctime, which no user call can set: equal inode and ctime prove an entry
 * unchanged without reading it. Otherwise the metadata decides, and when it all agrees (a file
 * rewritten with the same size and its mtime put back) the contents are compared.
 */
export function treeDiff(oldDir: string | undefined, newDir: string): Generator<Change> {
  return treeChanges(oldDir, newDir, unchanged);
}

function unchanged(aPath: string, a: fs.BigIntStats, bPath: string, b: fs.BigIntStats): boolean {
  if (a.ino === b.ino && a.ctimeNs === b.ctimeNs && a.mode === b.mode) return true;
  if (!sameMetadata(aPath, a, bPath, b)) return false;
  return !a.isFile() || sameContent(aPath, bPath);
}

const CHUNK = 1 << 20;

/** Compares two files of equal size chunk by chunk: memory stays at two chunks whatever the size. */
function sameContent(aPath: string, bPath: string): boolean {
  const a = open(aPath);
  try {
    const b = open(bPath);
    try {
      const bufA = Buffer.alloc(CHUNK);
      const bufB = Buffer.alloc(CHUNK);
      for (;;) {
        const n = fs.readSync(a, bufA, 0, CHUNK, null);
        const m = fs.readSync(b, bufB, 0, CHUNK, null);
        if (n !== m || !bufA.subarray(0, n).equals(bufB.subarray(0, m))) return false;
        if (n === 0) return true;
      }
    } finally {
      fs.closeSync(b);
    }
  } finally {
    fs.closeSync(a);
  }
}

function open(file: string): number {
  try {
    return fs.openSync(file, 'r');
  } catch (err) {
    throw wrapNodeError(err, file);
  }
}
