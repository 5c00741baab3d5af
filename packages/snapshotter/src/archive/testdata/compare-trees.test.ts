import fs from 'node:fs';
import test from 'ava';
import { lsetxattr, lutimesNs } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { diffTrees } from './compare-trees.ts';

process.umask(0);

function twoTrees(dir: string): [string, string] {
  const trees: [string, string] = [`${dir}/a`, `${dir}/b`];
  for (const root of trees) {
    fs.mkdirSync(`${root}/d`, { recursive: true });
    fs.writeFileSync(`${root}/d/f`, 'same');
    fs.writeFileSync(`${root}/d/g`, 'same');
    fs.symlinkSync('f', `${root}/d/l`);
    for (const name of ['d/f', 'd/g', 'd/l', 'd']) lutimesNs(`${root}/${name}`, 5n, 5n);
  }
  return trees;
}

test('equal trees have no differences', (t) => {
  const [a, b] = twoTrees(scratchDir(t));
  t.deepEqual(diffTrees(a, b), []);
});

test('each kind of difference is reported on the entry it concerns', (t) => {
  const [a, b] = twoTrees(scratchDir(t));
  fs.writeFileSync(`${b}/d/f`, 'diff');
  fs.chmodSync(`${b}/d/g`, 0o4644);
  lsetxattr(`${b}/d/l`, 'trusted.x', Buffer.from([0]));
  fs.linkSync(`${b}/d/g`, `${b}/extra`);
  for (const name of ['d/f', 'd/g', 'd/l']) lutimesNs(`${b}/${name}`, 5n, 5n);
  const diffs = diffTrees(a, b).map((line) => line.split(':')[0]);
  t.deepEqual(diffs, ['d/f', 'd/g', 'd/l', 'extra']);
});

test('mtimes count unless told otherwise, and directory mtimes can be left out alone', (t) => {
  const [a, b] = twoTrees(scratchDir(t));
  lutimesNs(`${b}/d`, 6n, 6n);
  t.is(diffTrees(a, b).length, 1);
  t.deepEqual(diffTrees(a, b, { mtimes: 'non-directories' }), []);
  lutimesNs(`${b}/d/f`, 6n, 6n);
  t.is(diffTrees(a, b, { mtimes: 'non-directories' }).length, 1);
  t.deepEqual(diffTrees(a, b, { mtimes: 'none' }), []);
});
