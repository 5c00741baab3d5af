import fs from 'node:fs';
import path from 'node:path';
import { lgetxattr, llistxattr } from '@layerctl/sys';
import type { Change } from './pack-changes.ts';

/** Whether an entry present in both trees is unchanged; each driver knows what its trees can prove. */
export type SameEntry = (oldPath: string, oldStat: fs.BigIntStats, newPath: string, newStat: fs.BigIntStats) => boolean;

/**
 * The changes between two whole trees (moby's naive diff, continuity's double walk): what `newDir`
 * has that `oldDir` has not, differently (by `same`), or no longer. Drivers whose layers are not
 * upper dirs use it: overlay2 with redirect_dir or metacopy on, devmapper's whole-filesystem devices.
 *
 * Both trees are walked together, so memory holds one directory listing per level; the order is
 * the walk's (packChanges and changes() sort). A new directory's contents are listed one by one;
 * a deleted one is a single deletion. Every directory above a change is listed as modified too, as
 * overlay's copy-up puts it in the upper dir: a layer applied into an empty dir must make those
 * directories with their owner, mode and time, and every driver's diff then holds the same entries.
 */
export function* treeChanges(oldDir: string | undefined, newDir: string, same: SameEntry = sameMetadata): Generator<Change> {
  yield* walk(oldDir, newDir, '', [], same);
}

/**
 * Type, mode, owner, device number, size (not of directories), mtime, link target and xattrs
 * agree. Content is not read: an edit that keeps size and mtime to the nanosecond is not seen
 * (as in continuity).
 */
export function sameMetadata(aPath: string, a: fs.BigIntStats, bPath: string, b: fs.BigIntStats): boolean {
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid || a.rdev !== b.rdev || a.mtimeNs !== b.mtimeNs) return false;
  if (!a.isDirectory() && a.size !== b.size) return false;
  if (a.isSymbolicLink() && fs.readlinkSync(aPath) !== fs.readlinkSync(bPath)) return false;
  return sameXattrs(aPath, bPath);
}

/** A directory the walk is inside; `listed` once a change of it, or under it, has been yielded. */
interface Ancestor {
  path: string;
  listed: boolean;
}

function* walk(oldDir: string | undefined, newDir: string, prefix: string, ancestors: Ancestor[], same: SameEntry): Generator<Change> {
  /** The change, after those ancestors not listed yet. */
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
    if (oldPath !== undefined && oldStat !== undefined) kind = same(oldPath, oldStat, newPath, newStat) ? undefined : 'modify';
    if (kind !== undefined) yield* withAncestors({ kind, path: rel });
    if (newStat.isDirectory()) {
      const oldChild = oldStat?.isDirectory() === true ? oldPath : undefined;
      yield* walk(oldChild, newPath, rel, [...ancestors, { path: rel, listed: kind !== undefined }], same);
    }
  }
}

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}/${name}`;
}

function sameXattrs(aPath: string, bPath: string): boolean {
  const names = llistxattr(aPath).sort();
  const other = llistxattr(bPath).sort();
  if (names.join('\0') !== other.join('\0')) return false;
  return names.every((name) => lgetxattr(bPath, name)?.equals(lgetxattr(aPath, name) ?? Buffer.alloc(0)) === true);
}
