import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import test from 'ava';
import { lutimesNs } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { treeDiff } from './tree-diff.ts';

function twoTrees(t: Parameters<typeof scratchDir>[0]): { old: string; now: string } {
  const root = scratchDir(t);
  const old = `${root}/old`;
  fs.mkdirSync(`${old}/d/sub`, { recursive: true });
  fs.writeFileSync(`${old}/d/sub/same`, 'same');
  fs.writeFileSync(`${old}/d/edited`, 'aaaa');
  fs.writeFileSync(`${old}/gone`, 'x');
  // A copy has other inode numbers: only the metadata and content comparison can say what is the same.
  execFileSync('cp', ['-a', old, `${root}/now`]);
  return { old, now: `${root}/now` };
}

test('an edit that keeps the size and puts the mtime back is still found: the contents are compared when the inode or ctime differ', (t) => {
  const { old, now } = twoTrees(t);
  const mtime = fs.lstatSync(`${now}/d/edited`, { bigint: true }).mtimeNs;
  fs.writeFileSync(`${now}/d/edited`, 'bbbb');
  lutimesNs(`${now}/d/edited`, mtime, mtime);
  fs.rmSync(`${now}/gone`);
  t.deepEqual([...treeDiff(old, now)], [
    { kind: 'delete', path: 'gone' },
    { kind: 'modify', path: 'd' },
    { kind: 'modify', path: 'd/edited' },
  ]);
});

test('identical trees have no changes, and an added directory lists its contents with its ancestors above', (t) => {
  const { old, now } = twoTrees(t);
  fs.rmSync(`${now}/gone`);
  fs.writeFileSync(`${now}/gone`, 'x');
  lutimesNs(`${now}/gone`, fs.lstatSync(`${old}/gone`, { bigint: true }).mtimeNs, fs.lstatSync(`${old}/gone`, { bigint: true }).mtimeNs);
  lutimesNs(now, fs.lstatSync(old, { bigint: true }).mtimeNs, fs.lstatSync(old, { bigint: true }).mtimeNs);
  t.deepEqual([...treeDiff(old, now)], [], 'a file rewritten with the same bytes, mode and mtime is unchanged');
  const sub = `${now}/d/sub`;
  const before = fs.lstatSync(sub, { bigint: true }).mtimeNs;
  fs.mkdirSync(`${sub}/new`);
  fs.writeFileSync(`${sub}/new/file`, 'n');
  lutimesNs(sub, before, before);
  t.deepEqual([...treeDiff(old, now)], [
    { kind: 'modify', path: 'd' },
    { kind: 'modify', path: 'd/sub' },
    { kind: 'add', path: 'd/sub/new' },
    { kind: 'add', path: 'd/sub/new/file' },
  ]);
});
