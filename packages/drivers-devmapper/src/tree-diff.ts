import fs from 'node:fs';
import path from 'node:path';
import type { Change } from '@layerctl/snapshotter';
import { lgetxattr, llistxattr, wrapNodeError } from '@layerctl/sys';

/**
 * The changes of a device against its parent, found by walking both mounted trees together
 * (devices hold whole filesystems, so there is no upper dir to read).
 *
 * A device is a block-level copy of its parent, so an entry the child never touched keeps its
 * inode number and its ctime, which no user call can set: equal inode and ctime prove an entry
 * unchanged without reading it. Otherwise an entry is modified when its type, mode, owner,
 * device number, size, mtime, link target or xattrs differ; when all of those agree (a file
 * rewritten with the same size and its mtime put back), the contents are compared.
 *
 * Every directory above a change is listed as modified too, as overlay's copy-up puts it in the
 * upper dir, so a diff from here and one from overlay2 hold the same entries. A new directory's
 * contents are listed one by one; a deleted one is one deletion. Order is the walk's (packChanges
 * and changes() sort).
 */
export function* treeDiff(oldDir: string | undefined, newDir: string): Generator<Change> {
  yield* walk(oldDir, newDir, '', []);
}

interface Ancestor {
  path: string;
  listed: boolean;
}

function* walk(oldDir: string | undefined, newDir: string, prefix: string, ancestors: Ancestor[]): Generator<Change> {
  function* withAncestors(change: Change): Generator<Change> {
    for (const ancestor of ancestors) {
      if (ancestor.listed) continue;
      ancestor.listed = true;
      yield { kind: 'modify', path: ancestor.path };
    }
    yield change;
  }

  const oldNames = new Set(oldDir === undefined ? [] : fs.readdirSync(oldDir));
  const newNames = fs.readdirSync(newDir);
  const newSet = new Set(newNames);
  for (const name of oldNames) if (!newSet.has(name)) yield* withAncestors({ kind: 'delete', path: join(prefix, name) });
  for (const name of newNames) {
    const rel = join(prefix, name);
    const newPath = path.join(newDir, name);
    const newStat = fs.lstatSync(newPath, { bigint: true });
    const oldPath = oldDir !== undefined && oldNames.has(name) ? path.join(oldDir, name) : undefined;
    const oldStat = oldPath === undefined ? undefined : fs.lstatSync(oldPath, { bigint: true });
    let kind: Change['kind'] | undefined = 'add';
    if (oldPath !== undefined && oldStat !== undefined) kind = unchanged(oldPath, oldStat, newPath, newStat) ? undefined : 'modify';
    if (kind !== undefined) yield* withAncestors({ kind, path: rel });
    if (newStat.isDirectory()) {
      const oldChild = oldStat?.isDirectory() === true ? oldPath : undefined;
      yield* walk(oldChild, newPath, rel, [...ancestors, { path: rel, listed: kind !== undefined }]);
    }
  }
}

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}/${name}`;
}

function unchanged(aPath: string, a: fs.BigIntStats, bPath: string, b: fs.BigIntStats): boolean {
  if (a.ino === b.ino && a.ctimeNs === b.ctimeNs && a.mode === b.mode) return true;
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid || a.rdev !== b.rdev || a.mtimeNs !== b.mtimeNs) return false;
  if (!a.isDirectory() && a.size !== b.size) return false;
  if (a.isSymbolicLink() && fs.readlinkSync(aPath) !== fs.readlinkSync(bPath)) return false;
  if (!sameXattrs(aPath, bPath)) return false;
  return !a.isFile() || sameContent(aPath, bPath);
}

function sameXattrs(aPath: string, bPath: string): boolean {
  const names = llistxattr(aPath).sort();
  const other = llistxattr(bPath).sort();
  if (names.join('\0') !== other.join('\0')) return false;
  return names.every((name) => lgetxattr(bPath, name)?.equals(lgetxattr(aPath, name) ?? Buffer.alloc(0)) === true);
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
