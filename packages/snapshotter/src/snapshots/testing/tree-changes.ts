import fs from 'node:fs';
import path from 'node:path';
import { lgetxattr, llistxattr, wrapNodeError } from '@layerctl/sys';
import type { Change } from '../../archive/pack-changes.ts';
import { compareEntryPaths } from '../../archive/safe-path.ts';

/**
 * The changes of a full-copy layer against the tree it was copied from, by comparing the two
 * trees (moby's naive diff, for the test-only copy driver): a path only in `layer` is added, one
 * only in `parent` deleted (its contents are not listed), one in both with other metadata
 * modified. Metadata is type, mode, owner, device number, size and mtime of non-directories, a
 * directory's mtime (it moves when an entry is added or removed), link target and xattrs; the
 * copy keeps all of these (cp -a), so an untouched entry compares equal.
 */
export function treeChanges(layer: string, parent: string | undefined): Change[] {
  const changes: Change[] = [];
  walkLayer(layer, parent, '', changes);
  if (parent !== undefined) walkDeleted(layer, parent, '', changes);
  return changes.sort((a, b) => compareEntryPaths(a.path, b.path));
}

function walkLayer(layer: string, parent: string | undefined, dir: string, changes: Change[]): void {
  for (const name of readDir(path.join(layer, dir))) {
    const entry = dir === '' ? name : `${dir}/${name}`;
    const mine = lstat(path.join(layer, entry));
    const theirs = parent === undefined ? undefined : lstat(path.join(parent, entry), true);
    if (theirs === undefined) changes.push({ kind: 'add', path: entry });
    else if (!sameEntry(path.join(layer, entry), mine, path.join(parent ?? '', entry), theirs)) changes.push({ kind: 'modify', path: entry });
    if (mine.isDirectory()) walkLayer(layer, theirs?.isDirectory() === true ? parent : undefined, entry, changes);
  }
}

/** Paths of `parent` that `layer` no longer has; below a directory that became something else, nothing more. */
function walkDeleted(layer: string, parent: string, dir: string, changes: Change[]): void {
  for (const name of readDir(path.join(parent, dir))) {
    const entry = dir === '' ? name : `${dir}/${name}`;
    const mine = lstat(path.join(layer, entry), true);
    if (mine === undefined) changes.push({ kind: 'delete', path: entry });
    else if (mine.isDirectory() && lstat(path.join(parent, entry)).isDirectory()) walkDeleted(layer, parent, entry, changes);
  }
}

function sameEntry(minePath: string, mine: fs.BigIntStats, theirsPath: string, theirs: fs.BigIntStats): boolean {
  if (mine.mode !== theirs.mode || mine.uid !== theirs.uid || mine.gid !== theirs.gid || mine.rdev !== theirs.rdev) return false;
  if (mine.mtimeNs !== theirs.mtimeNs) return false;
  if (!mine.isDirectory() && mine.size !== theirs.size) return false;
  if (mine.isSymbolicLink() && fs.readlinkSync(minePath) !== fs.readlinkSync(theirsPath)) return false;
  return sameXattrs(minePath, theirsPath);
}

function sameXattrs(a: string, b: string): boolean {
  const names = llistxattr(a).sort();
  const others = llistxattr(b).sort();
  if (names.join('\0') !== others.join('\0')) return false;
  return names.every((name) => lgetxattr(a, name)?.equals(lgetxattr(b, name) ?? Buffer.alloc(0)) === true);
}

function readDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch (err) {
    throw wrapNodeError(err, dir);
  }
}

function lstat(file: string, missingOk: true): fs.BigIntStats | undefined;
function lstat(file: string, missingOk?: false): fs.BigIntStats;
function lstat(file: string, missingOk = false): fs.BigIntStats | undefined {
  try {
    return fs.lstatSync(file, { bigint: true, throwIfNoEntry: !missingOk });
  } catch (err) {
    throw wrapNodeError(err, file);
  }
}
