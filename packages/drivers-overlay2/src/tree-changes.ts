import fs from 'node:fs';
import path from 'node:path';
import type { Change } from '@layerctl/snapshotter';
import { lgetxattr, llistxattr } from '@layerctl/sys';

/**
 * The changes between two whole trees (the naive diff, moby's NaiveDiffDriver and continuity's
 * double walk): what the layer's merged view has that its parent's has not, differently, or no
 * longer. Used where the upper dir alone would not tell the truth: redirect_dir or metacopy on,
 * or a diff against a layer other than the parent.
 *
 * Both trees are walked together, so memory holds one directory listing per level; the order is
 * the walk's (packChanges and changes() sort). An entry counts as modified when its type, mode,
 * owner, device number, size, mtime, symlink target or xattrs differ; content is not compared (as
 * continuity, an edit that keeps size and mtime to the nanosecond is not seen). A new directory's
 * contents are listed one by one; a deleted one is a single deletion.
 *
 * Every directory above a change is listed too, changed or not, as overlay's copy-up puts it in
 * the upper dir: a layer applied into an empty diff dir must make those directories with their
 * owner, mode and time, or they would hide the parent's in the merged view.
 */
export function* treeChanges(oldDir: string | undefined, newDir: string): Generator<Change> {
  yield* walk(oldDir, newDir, '', []);
}

/** A directory the walk is inside; `listed` once a change of it, or under it, has been yielded. */
interface Ancestor {
  path: string;
  listed: boolean;
}

function* walk(oldDir: string | undefined, newDir: string, prefix: string, ancestors: Ancestor[]): Generator<Change> {
  /** The change, after those ancestors not listed yet. */
  function* withAncestors(change: Change): Generator<Change> {
    for (const ancestor of ancestors) {
      if (ancestor.listed) continue;
      ancestor.listed = true;
      yield { kind: 'modify', path: ancestor.path };
    }
    yield change;
  }

  const oldSet = new Set(oldDir === undefined ? [] : fs.readdirSync(oldDir));
  const newSet = new Set(fs.readdirSync(newDir));
  for (const name of new Set([...oldSet, ...newSet])) {
    const rel = prefix === '' ? name : `${prefix}/${name}`;
    if (!newSet.has(name)) {
      yield* withAncestors({ kind: 'delete', path: rel });
      continue;
    }
    const newPath = path.join(newDir, name);
    const newStat = fs.lstatSync(newPath, { bigint: true });
    const oldPath = oldSet.has(name) && oldDir !== undefined ? path.join(oldDir, name) : undefined;
    const oldStat = oldPath === undefined ? undefined : fs.lstatSync(oldPath, { bigint: true });
    const kind = oldPath === undefined || oldStat === undefined ? 'add' : same(oldPath, oldStat, newPath, newStat) ? undefined : 'modify';
    if (kind !== undefined) yield* withAncestors({ kind, path: rel });
    if (newStat.isDirectory()) {
      const oldChild = oldStat?.isDirectory() === true ? oldPath : undefined;
      yield* walk(oldChild, newPath, rel, [...ancestors, { path: rel, listed: kind !== undefined }]);
    }
  }
}

function same(aPath: string, a: fs.BigIntStats, bPath: string, b: fs.BigIntStats): boolean {
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid || a.rdev !== b.rdev) return false;
  if (a.size !== b.size && !a.isDirectory()) return false;
  if (a.mtimeNs !== b.mtimeNs) return false;
  if (a.isSymbolicLink() && fs.readlinkSync(aPath) !== fs.readlinkSync(bPath)) return false;
  return sameXattrs(aPath, bPath);
}

function sameXattrs(aPath: string, bPath: string): boolean {
  const names = llistxattr(aPath);
  if (names.length !== llistxattr(bPath).length) return false;
  return names.every((name) => lgetxattr(bPath, name)?.equals(lgetxattr(aPath, name) ?? Buffer.alloc(0)) === true);
}
