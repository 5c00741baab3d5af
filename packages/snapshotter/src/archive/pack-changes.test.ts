import fs from 'node:fs';
import test from 'ava';
import { InvalidArgumentError, NotFoundError, lutimesNs } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { applyLayer } from './apply-layer.ts';
import { packChanges, type Change } from './pack-changes.ts';
import { packTree } from './pack-tree.ts';
import type { TarHeader } from './tar/tar-header.ts';
import { diffTrees } from './testdata/compare-trees.ts';
import { makeEdgeTree, UNPACKABLE } from './testdata/edge-tree.ts';
import { tarHeaders } from './testdata/layer-entries.ts';

process.umask(0);

test('deletes become whiteouts, adds and modifications the entries on disk, all in canonical order', async (t) => {
  const dir = scratchDir(t);
  fs.mkdirSync(`${dir}/a`);
  fs.writeFileSync(`${dir}/a/new`, 'new');
  fs.writeFileSync(`${dir}/z`, 'changed');
  const changes: Change[] = [
    { kind: 'modify', path: 'z' },
    { kind: 'delete', path: 'a/old' },
    { kind: 'add', path: 'a/new' },
    { kind: 'delete', path: 'gone' },
    { kind: 'modify', path: 'a' },
  ];
  const entries = await tarHeaders(packChanges(dir, changes));
  t.deepEqual(
    entries.map((h) => [h.name, h.type, h.size]),
    [
      ['.wh.gone', 'file', 0],
      ['a', 'directory', 0],
      ['a/.wh.old', 'file', 0],
      ['a/new', 'file', 3],
      ['z', 'file', 7],
    ],
  );
});

test('changes come as a sync or an async iterable', async (t) => {
  const dir = scratchDir(t);
  fs.writeFileSync(`${dir}/f`, '');
  async function* changes(): AsyncGenerator<Change> {
    yield { kind: 'add', path: 'f' };
  }
  t.deepEqual((await tarHeaders(packChanges(dir, changes()))).map((h) => h.name), ['f']);
});

test('names of one inode within the changeset become hardlinks to the first one packed', async (t) => {
  const dir = scratchDir(t);
  fs.mkdirSync(`${dir}/d`);
  fs.writeFileSync(`${dir}/d/b`, 'shared');
  fs.linkSync(`${dir}/d/b`, `${dir}/a`);
  fs.linkSync(`${dir}/d/b`, `${dir}/d/c`);
  const entries = await tarHeaders(packChanges(dir, [{ kind: 'add', path: 'd/c' }, { kind: 'add', path: 'd/b' }, { kind: 'add', path: 'a' }]));
  t.deepEqual(
    entries.map((h) => [h.name, h.type, h.linkname]),
    [
      ['a', 'file', ''],
      ['d/b', 'hardlink', 'a'],
      ['d/c', 'hardlink', 'a'],
    ],
  );
});

test('a changeset applied to the parent tree gives the changed tree', async (t) => {
  const scratch = scratchDir(t);
  const [lower, upper] = [`${scratch}/lower`, `${scratch}/upper`];
  fs.mkdirSync(`${scratch}/src`);
  makeEdgeTree(`${scratch}/src`);
  for (const dir of [lower, upper]) {
    fs.mkdirSync(dir);
    await applyLayer(dir, packTree(`${scratch}/src`));
  }
  fs.writeFileSync(`${upper}/etc/empty`, 'no longer empty');
  fs.chmodSync(`${upper}/bin/suid`, 0o755);
  fs.rmSync(`${upper}/dev`, { recursive: true });
  fs.unlinkSync(`${upper}/links/rel`);
  fs.mkdirSync(`${upper}/new`, { mode: 0o750 });
  fs.writeFileSync(`${upper}/new/one`, 'one');
  fs.linkSync(`${upper}/new/one`, `${upper}/new/two`);
  fs.symlinkSync('one', `${upper}/new/link`);
  for (const name of ['etc', 'links', 'new', 'bin']) lutimesNs(`${upper}/${name}`, 1n, 1n);
  const changes: Change[] = [
    { kind: 'modify', path: 'etc/empty' },
    { kind: 'modify', path: 'bin/suid' },
    { kind: 'delete', path: 'dev' },
    { kind: 'delete', path: 'links/rel' },
    { kind: 'add', path: 'new' },
    { kind: 'add', path: 'new/one' },
    { kind: 'add', path: 'new/two' },
    { kind: 'add', path: 'new/link' },
    { kind: 'modify', path: 'etc' },
    { kind: 'modify', path: 'links' },
    { kind: 'modify', path: 'bin' },
  ];
  await applyLayer(lower, packChanges(upper, changes));
  t.deepEqual(diffTrees(upper, lower, { exclude: UNPACKABLE }), []);
});

test('a change list naming a path twice, climbing out, or naming the root is refused', async (t) => {
  const dir = scratchDir(t);
  fs.writeFileSync(`${dir}/f`, '');
  const pack = (changes: Change[]): Promise<TarHeader[]> => tarHeaders(packChanges(dir, changes));
  await t.throwsAsync(pack([{ kind: 'add', path: 'f' }, { kind: 'modify', path: './f' }]), { instanceOf: InvalidArgumentError, message: /"\.\/f": listed twice/ });
  await t.throwsAsync(pack([{ kind: 'delete', path: '../f' }]), { instanceOf: InvalidArgumentError, message: /climbs out/ });
  await t.throwsAsync(pack([{ kind: 'modify', path: '/' }]), { instanceOf: InvalidArgumentError, message: /root/ });
});

test('an added path that is not on disk fails with NotFoundError naming it', async (t) => {
  const dir = scratchDir(t);
  await t.throwsAsync(tarHeaders(packChanges(dir, [{ kind: 'add', path: 'missing' }])), { instanceOf: NotFoundError, message: /"missing"/ });
});
