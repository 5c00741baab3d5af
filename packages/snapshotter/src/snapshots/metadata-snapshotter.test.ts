import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, LayerctlError, NotFoundError, SysError } from '@layerctl/sys';
import { unmountInTeardown } from '@layerctl/sys/testing';
import type { Mount } from '../mount/mount.ts';
import type { Root } from '../root.ts';
import { collectSnapshotGarbage } from './garbage.ts';
import type { MetadataSnapshotter } from './metadata-snapshotter.ts';
import { MAX_LABEL_BYTES } from './snapshot-labels.ts';
import { findSnapshot } from './snapshot-rows.ts';
import { CopyDriver } from './testing/copy-driver.ts';
import { deadPid } from '../testing/dead-pid.ts';
import { pendingCount, scratchSnapshotter } from './testing/scratch-snapshotter.ts';

/** The directory a copy-driver snapshot's mounts bind: where a test writes into the snapshot. */
function treeOf(mounts: Mount[]): string {
  const [bind] = mounts;
  if (bind === undefined) throw new NotFoundError('the snapshot has no mounts');
  return bind.source;
}

/** A committed snapshot `name` holding `files`, on `parent`. */
async function committed(snapshotter: MetadataSnapshotter, name: string, parent: string | undefined, files: Record<string, string> = {}): Promise<void> {
  const key = `${name}-active`;
  const tree = treeOf(await snapshotter.prepare(key, parent));
  for (const [file, content] of Object.entries(files)) fs.writeFileSync(path.join(tree, file), content);
  await snapshotter.commit(name, key);
}

function namesOf(infos: Array<{ name: string }>): string[] {
  return infos.map((info) => info.name);
}

test('active snapshots, views and committed snapshots share one key space', async (t) => {
  const { snapshotter } = await scratchSnapshotter(t);
  await committed(snapshotter, 'base', undefined);
  await snapshotter.prepare('taken', 'base');
  await t.throwsAsync(snapshotter.prepare('taken'), { instanceOf: AlreadyExistsError, message: /snapshot taken already exists/ });
  await t.throwsAsync(snapshotter.view('taken', 'base'), { instanceOf: AlreadyExistsError, message: /taken/ });
  await t.throwsAsync(snapshotter.prepare('base'), { instanceOf: AlreadyExistsError, message: /base/ });
  await snapshotter.prepare('other', 'base');
  await t.throwsAsync(snapshotter.commit('taken', 'other'), { instanceOf: AlreadyExistsError, message: /taken/ });
  t.is(snapshotter.stat('other').kind, 'active', 'a refused commit leaves the active snapshot as it was');
});

test('only committed snapshots can be parents; a missing parent is NotFound', async (t) => {
  const { snapshotter } = await scratchSnapshotter(t);
  await committed(snapshotter, 'base', undefined);
  await snapshotter.prepare('active', 'base');
  await snapshotter.view('view', 'base');
  await t.throwsAsync(snapshotter.prepare('on-active', 'active'), { instanceOf: FailedPreconditionError, message: /parent snapshot active of on-active is active/ });
  await t.throwsAsync(snapshotter.view('on-view', 'view'), { instanceOf: FailedPreconditionError, message: /parent snapshot view of on-view/ });
  await t.throwsAsync(snapshotter.prepare('orphan', 'nothing'), { instanceOf: NotFoundError, message: /parent snapshot nothing of orphan: not found/ });
  t.deepEqual(namesOf(snapshotter.walk()), ['active', 'base', 'view']);
});

test('commit makes `name` committed from the contents of `key`, and `key` is gone', async (t) => {
  const { snapshotter } = await scratchSnapshotter(t);
  await committed(snapshotter, 'base', undefined, { 'a.txt': 'from base' });
  const tree = treeOf(await snapshotter.prepare('work', 'base', { labels: { stage: 'work' } }));
  fs.writeFileSync(path.join(tree, 'b.txt'), 'from work');
  await snapshotter.commit('layer', 'work', { labels: { stage: 'done' } });
  t.throws(() => snapshotter.stat('work'), { instanceOf: NotFoundError, message: /snapshot work: not found/ });
  t.like(snapshotter.stat('layer'), { name: 'layer', parent: 'base', kind: 'committed', labels: { stage: 'done' } });
  const child = treeOf(await snapshotter.prepare('child', 'layer'));
  t.is(fs.readFileSync(path.join(child, 'a.txt'), 'utf8'), 'from base');
  t.is(fs.readFileSync(path.join(child, 'b.txt'), 'utf8'), 'from work');
  await t.throwsAsync(snapshotter.commit('again', 'work'), { instanceOf: NotFoundError, message: /work/ });
});

test('a view cannot be committed, and a committed snapshot has no mounts', async (t) => {
  const { snapshotter, root } = await scratchSnapshotter(t);
  await committed(snapshotter, 'base', undefined);
  await snapshotter.view('look', 'base');
  await t.throwsAsync(snapshotter.commit('looked', 'look'), { instanceOf: FailedPreconditionError, message: /snapshot look is a view snapshot; only an active/ });
  await t.throwsAsync(snapshotter.commit('again', 'base'), { instanceOf: FailedPreconditionError, message: /base is a committed snapshot/ });
  t.throws(() => snapshotter.mounts('base'), { instanceOf: FailedPreconditionError, message: /base is committed/ });
  t.deepEqual(snapshotter.mounts('look'), snapshotter.driver.mounts(driverIdOf(root, 'look')));
});

test('a view is read-only: writing through its mount fails with EROFS', async (t) => {
  const { snapshotter, driver, root } = await scratchSnapshotter(t);
  await committed(snapshotter, 'base', undefined, { 'a.txt': 'a' });
  const mounts = await snapshotter.view('look', 'base');
  t.true(mounts[0]?.options.includes('ro'));
  const id = driverIdOf(root, 'look');
  const target = await driver.mount(id);
  unmountInTeardown(t, target);
  t.is(fs.readFileSync(path.join(target, 'a.txt'), 'utf8'), 'a');
  t.throws(() => fs.writeFileSync(path.join(target, 'b.txt'), 'b'), { code: 'EROFS' });
  await driver.unmount(id);
});

test('a snapshot with children cannot be removed; without them it can', async (t) => {
  const { snapshotter, driver, root } = await scratchSnapshotter(t);
  await committed(snapshotter, 'base', undefined);
  await snapshotter.prepare('child', 'base');
  const baseId = driverIdOf(root, 'base');
  await t.throwsAsync(snapshotter.remove('base'), { instanceOf: FailedPreconditionError, message: /snapshot base has children/ });
  t.true(driver.exists(baseId));
  await snapshotter.remove('child');
  await snapshotter.remove('base');
  t.false(driver.exists(baseId));
  t.deepEqual(snapshotter.walk(), []);
  await t.throwsAsync(snapshotter.remove('base'), { instanceOf: NotFoundError, message: /snapshot base: not found/ });
});

test('update changes labels only: field paths as containerd, other fields refused', async (t) => {
  const { snapshotter } = await scratchSnapshotter(t);
  await committed(snapshotter, 'base', undefined);
  await snapshotter.prepare('work', 'base', { labels: { a: '1', b: '2' } });
  const before = snapshotter.stat('work');
  t.deepEqual(snapshotter.update({ name: 'work', labels: { c: '3' } }).labels, { c: '3' }, 'no field paths: all labels replaced');
  t.deepEqual(snapshotter.update({ name: 'work', labels: { d: '4' } }, ['labels.d']).labels, { c: '3', d: '4' }, 'labels.k sets one');
  t.deepEqual(snapshotter.update({ name: 'work', labels: {} }, ['labels.c']).labels, { d: '4' }, 'labels.k absent deletes it');
  t.deepEqual(snapshotter.update({ name: 'work', labels: { e: '5' } }, ['labels']).labels, { e: '5' });
  const after = snapshotter.stat('work');
  t.deepEqual(after.labels, { e: '5' });
  t.true(after.updated.getTime() >= before.updated.getTime());
  t.is(after.created.getTime(), before.created.getTime());
  t.notThrows(() => snapshotter.update({ ...after, labels: { f: '5' } }), 'the unchanged fields of a stat may come along');
  t.notThrows(() => snapshotter.update({ name: 'work', labels: { f: '6' }, parent: undefined }), 'a field left undefined is not given');
  t.throws(() => snapshotter.update({ name: 'work', labels: {}, parent: 'other' }), { instanceOf: InvalidArgumentError, message: /work: parent cannot be updated/ });
  t.throws(() => snapshotter.update({ name: 'work', labels: {}, kind: 'committed' }), { instanceOf: InvalidArgumentError, message: /kind cannot be updated/ });
  t.throws(() => snapshotter.update({ name: 'work', labels: {} }, ['parent']), { instanceOf: InvalidArgumentError, message: /field "parent" cannot be updated/ });
  t.throws(() => snapshotter.update({ name: 'nothing', labels: {} }), { instanceOf: NotFoundError, message: /nothing/ });
  t.deepEqual(snapshotter.stat('work').labels, { f: '6' }, 'a refused update changes nothing');
});

test('labels are checked: string values, no empty key, at most MAX_LABEL_BYTES each', async (t) => {
  const { snapshotter } = await scratchSnapshotter(t);
  await t.throwsAsync(snapshotter.prepare('big', undefined, { labels: { k: 'v'.repeat(MAX_LABEL_BYTES) } }), { instanceOf: InvalidArgumentError, message: /snapshot big: label "k"/ });
  await t.throwsAsync(snapshotter.prepare('empty', undefined, { labels: { '': 'v' } }), { instanceOf: InvalidArgumentError, message: /empty/ });
  await t.throwsAsync(snapshotter.prepare(''), { instanceOf: InvalidArgumentError, message: /non-empty/ });
  t.deepEqual(snapshotter.walk(), []);
  t.deepEqual(snapshotter.driver.list(), [], 'refused before the driver did anything');
});

test('walk: comma is AND, several filters are OR, a bad filter is InvalidArgument naming it', async (t) => {
  const { snapshotter } = await scratchSnapshotter(t);
  await committed(snapshotter, 'base', undefined);
  await snapshotter.prepare('a', 'base', { labels: { 'team.io/owner': 'x', tier: 'web' } });
  await snapshotter.prepare('b', 'base', { labels: { tier: 'db' } });
  await snapshotter.view('v', 'base', { labels: { tier: 'web' } });
  t.deepEqual(namesOf(snapshotter.walk()), ['a', 'b', 'base', 'v']);
  t.deepEqual(namesOf(snapshotter.walk('kind==active')), ['a', 'b']);
  t.deepEqual(namesOf(snapshotter.walk('parent==base,labels.tier==web')), ['a', 'v']);
  t.deepEqual(namesOf(snapshotter.walk('labels."team.io/owner"==x')), ['a']);
  t.deepEqual(namesOf(snapshotter.walk('labels.tier')), ['a', 'b', 'v']);
  t.deepEqual(namesOf(snapshotter.walk('name==b', 'kind==view')), ['b', 'v']);
  t.deepEqual(namesOf(snapshotter.walk('kind==active,labels.tier==db', 'name==base')), ['b', 'base']);
  t.throws(() => snapshotter.walk('size==3'), { instanceOf: InvalidArgumentError, message: /snapshot filter "size==3": unknown field "size"/ });
});

test('usage counts an active or committed snapshot through the driver; a view holds nothing', async (t) => {
  const { snapshotter } = await scratchSnapshotter(t);
  const empty = await snapshotter.usage(await prepared(snapshotter, 'empty'));
  const tree = treeOf(await snapshotter.prepare('work'));
  fs.writeFileSync(path.join(tree, 'one-mib'), Buffer.alloc(1024 * 1024, 1));
  const active = await snapshotter.usage('work');
  t.true(active.size >= empty.size + 1024 * 1024, `${active.size} bytes`);
  t.is(active.inodes, empty.inodes + 1);
  await snapshotter.commit('layer', 'work');
  t.deepEqual(await snapshotter.usage('layer'), active);
  await snapshotter.view('look', 'layer');
  t.deepEqual(await snapshotter.usage('look'), { size: 0, inodes: 0 });
  await t.throwsAsync(snapshotter.usage('nothing'), { instanceOf: NotFoundError, message: /nothing/ });
});

test('driver ids are generated, never the key: keys may hold slashes and dots', async (t) => {
  const { snapshotter, driver, root } = await scratchSnapshotter(t);
  await snapshotter.prepare('../../etc/a key/with slashes');
  const id = driverIdOf(root, '../../etc/a key/with slashes');
  t.regex(id, /^[0-9a-f]{64}$/);
  t.deepEqual(driver.list(), [id]);
  t.is(snapshotter.stat('../../etc/a key/with slashes').kind, 'active');
});

test('two prepares of one key race: one wins, the other is AlreadyExists and leaves no layer', async (t) => {
  const { snapshotter, driver, root } = await scratchSnapshotter(t);
  const results = await Promise.allSettled([snapshotter.prepare('same'), snapshotter.prepare('same')]);
  t.deepEqual(results.map((result) => result.status).sort(), ['fulfilled', 'rejected']);
  const rejected = results.find((result) => result.status === 'rejected');
  t.true(rejected?.reason instanceof AlreadyExistsError);
  t.deepEqual(driver.list(), [driverIdOf(root, 'same')]);
});

/** A copy driver whose next create or remove fails after doing part of its work. */
class FaultyDriver extends CopyDriver {
  failCreate = false;
  failRemove = false;

  override async create(id: string, parent: string | undefined, opts: { readonly: boolean }): Promise<void> {
    await super.create(id, parent, opts);
    if (this.failCreate) throw new SysError('create', 28, id);
  }

  override async remove(id: string): Promise<void> {
    if (this.failRemove) throw new SysError('rmdir', 16, id);
    await super.remove(id);
  }
}

async function faultySnapshotter(t: ExecutionContext): Promise<{ snapshotter: MetadataSnapshotter; driver: FaultyDriver; root: Root }> {
  let faulty: FaultyDriver | undefined;
  const scratch = await scratchSnapshotter(t, (root) => (faulty = new FaultyDriver(root)));
  if (faulty === undefined) throw new NotFoundError('the faulty driver was not made');
  return { snapshotter: scratch.snapshotter, driver: faulty, root: scratch.root };
}

test('a driver failing in create leaves no row, no pending row and no layer', async (t) => {
  const { snapshotter, driver, root } = await faultySnapshotter(t);
  driver.failCreate = true;
  await t.throwsAsync(snapshotter.prepare('doomed'), { instanceOf: SysError, message: /ENOSPC/ });
  t.throws(() => snapshotter.stat('doomed'), { instanceOf: NotFoundError });
  t.deepEqual(driver.list(), []);
  t.is(pendingCount(root), 0);
});

test('remove deletes the row before the layer: if the driver fails, the snapshot is gone and gc removes the layer', async (t) => {
  const { snapshotter, driver, root } = await faultySnapshotter(t);
  await snapshotter.prepare('work');
  const id = driverIdOf(root, 'work');
  driver.failRemove = true;
  await t.throwsAsync(snapshotter.remove('work'), { instanceOf: LayerctlError, message: new RegExp(`snapshot work is removed, but its driver layer ${id} could not be .*layerctl gc removes it`) });
  t.throws(() => snapshotter.stat('work'), { instanceOf: NotFoundError });
  t.true(driver.exists(id));
  driver.failRemove = false;
  t.deepEqual(await collectSnapshotGarbage(root, driver), { removedLayers: [id] });
  t.false(driver.exists(id));
});

test('gc removes a layer whose creator died before naming it, and spares one being created by a live process', async (t) => {
  const { snapshotter, driver, root } = await scratchSnapshotter(t);
  await committed(snapshotter, 'base', undefined);
  const named = driver.list();
  // What a crash between driver.create and the row insert leaves: a pending row of a dead process.
  await driver.create('dead-creator', undefined, { readonly: false });
  await driver.create('live-creator', undefined, { readonly: false });
  await driver.create('no-row-at-all', undefined, { readonly: false });
  root.metadata.write((db) => {
    const insert = db.prepare('INSERT INTO snapshot_pending (driver_id, pid, created_at) VALUES (?, ?, 0)');
    insert.run('dead-creator', deadPid());
    insert.run('live-creator', process.pid);
  });
  const report = await collectSnapshotGarbage(root, driver);
  t.deepEqual(report.removedLayers.sort(), ['dead-creator', 'no-row-at-all']);
  t.deepEqual(driver.list().sort(), [...named, 'live-creator'].sort());
  t.is(pendingCount(root), 1, "the dead process's pending row is gone");
  t.deepEqual(namesOf(snapshotter.walk()), ['base']);
});

async function prepared(snapshotter: MetadataSnapshotter, key: string): Promise<string> {
  await snapshotter.prepare(key);
  return key;
}

/** The driver id the metadata records for `key`. */
function driverIdOf(root: Root, key: string): string {
  const row = root.metadata.read((db) => findSnapshot(db, key));
  if (row === undefined) throw new NotFoundError(`snapshot ${key}: not found`);
  return row.driverId;
}


test('open initializes the driver; closing twice closes it once', async (t) => {
  let closes = 0;
  class CountingDriver extends CopyDriver {
    override async close(): Promise<void> {
      closes++;
      await super.close();
    }
  }
  const { snapshotter, driver } = await scratchSnapshotter(t, (root) => new CountingDriver(root));
  t.true(fs.statSync(driver.dir).isDirectory(), 'init made the driver tree');
  await snapshotter.close();
  await snapshotter.close();
  t.is(closes, 1);
});
