import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { Change } from './pack-changes.ts';
import { compareEntryPaths } from './safe-path.ts';
import { lsetxattr, lutimesNs } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { treeChanges } from './tree-changes.ts';

/** Two trees with the same entries and times: `old`, and `new` to change. */
function twinTrees(t: Parameters<typeof scratchDir>[0]): [string, string] {
  const dir = scratchDir(t);
  const [oldDir, newDir] = [path.join(dir, 'old'), path.join(dir, 'new')];
  for (const root of [oldDir, newDir]) {
    fs.mkdirSync(path.join(root, 'a', 'b'), { recursive: true });
    fs.writeFileSync(path.join(root, 'a', 'b', 'file'), 'same');
    fs.writeFileSync(path.join(root, 'gone'), 'x');
    fs.writeFileSync(path.join(root, 'top'), 'x');
    for (const entry of ['a/b/file', 'a/b', 'a', 'gone', 'top']) lutimesNs(path.join(root, entry), 1000n, 1000n);
  }
  return [oldDir, newDir];
}

const sorted = (changes: Iterable<Change>): Change[] => [...changes].sort((a, b) => compareEntryPaths(a.path, b.path));

test('identical trees have no changes', (t) => {
  const [oldDir, newDir] = twinTrees(t);
  t.deepEqual([...treeChanges(oldDir, newDir)], []);
});

test('a change deep in unchanged directories lists those directories too, as copy-up would', (t) => {
  const [oldDir, newDir] = twinTrees(t);
  fs.writeFileSync(path.join(newDir, 'a', 'b', 'file'), 'edit');
  lutimesNs(path.join(newDir, 'a', 'b', 'file'), 2000n, 2000n);
  t.deepEqual(sorted(treeChanges(oldDir, newDir)), [
    { kind: 'modify', path: 'a' },
    { kind: 'modify', path: 'a/b' },
    { kind: 'modify', path: 'a/b/file' },
  ]);
});

test('deletions, additions, and metadata-only changes (mode, xattr) are found; a deleted directory is one deletion', (t) => {
  const [oldDir, newDir] = twinTrees(t);
  fs.rmSync(path.join(newDir, 'gone'));
  fs.rmSync(path.join(newDir, 'a'), { recursive: true });
  fs.mkdirSync(path.join(newDir, 'new-dir'));
  fs.writeFileSync(path.join(newDir, 'new-dir', 'inside'), '');
  fs.chmodSync(path.join(newDir, 'top'), 0o600);
  lsetxattr(path.join(newDir, 'top'), 'user.k', Buffer.from('v'));
  t.deepEqual(sorted(treeChanges(oldDir, newDir)), [
    { kind: 'delete', path: 'a' },
    { kind: 'delete', path: 'gone' },
    { kind: 'add', path: 'new-dir' },
    { kind: 'add', path: 'new-dir/inside' },
    { kind: 'modify', path: 'top' },
  ]);
});

test('against no tree at all, everything is added', (t) => {
  const [, newDir] = twinTrees(t);
  t.deepEqual(sorted(treeChanges(undefined, newDir)).map((c) => `${c.kind} ${c.path}`), ['add a', 'add a/b', 'add a/b/file', 'add gone', 'add top']);
});
