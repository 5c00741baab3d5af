import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { lsetxattr } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { CopyDriver } from './copy-driver.ts';

const RW = { readonly: false };

async function scratchDriver(t: ExecutionContext): Promise<{ driver: CopyDriver; tree: (id: string) => string }> {
  const root = scratchDir(t);
  const driver = new CopyDriver(root);
  await driver.init();
  return { driver, tree: (id) => path.join(driver.dir, id, 'fs') };
}

test('a layer starts as a full copy of its parent, modes, owners, times and xattrs kept', async (t) => {
  const { driver, tree } = await scratchDriver(t);
  await driver.create('base', undefined, RW);
  fs.mkdirSync(path.join(tree('base'), 'dir'), { mode: 0o700 });
  fs.writeFileSync(path.join(tree('base'), 'dir', 'f'), 'f', { mode: 0o4755 });
  fs.chmodSync(path.join(tree('base'), 'dir', 'f'), 0o4755);
  fs.chownSync(path.join(tree('base'), 'dir', 'f'), 12, 34);
  lsetxattr(path.join(tree('base'), 'dir', 'f'), 'user.k', Buffer.from('v'));
  await driver.create('child', 'base', RW);
  const stats = fs.statSync(path.join(tree('child'), 'dir', 'f'));
  t.like(stats, { mode: fs.statSync(path.join(tree('base'), 'dir', 'f')).mode, uid: 12, gid: 34, mtimeMs: fs.statSync(path.join(tree('base'), 'dir', 'f')).mtimeMs });
  t.is(fs.statSync(path.join(tree('child'), 'dir')).mode & 0o7777, 0o700);
  t.deepEqual(await driver.changes('child', 'base'), [], 'an untouched copy has no changes');
});

test('changes compare the layer with its parent; usage counts only what the layer added or modified', async (t) => {
  const { driver, tree } = await scratchDriver(t);
  await driver.create('base', undefined, RW);
  fs.mkdirSync(path.join(tree('base'), 'keep'));
  fs.writeFileSync(path.join(tree('base'), 'keep', 'a'), 'a');
  fs.writeFileSync(path.join(tree('base'), 'gone'), 'gone');
  fs.writeFileSync(path.join(tree('base'), 'big'), Buffer.alloc(1024 * 1024, 1));
  await driver.create('upper', 'base', RW);
  fs.rmSync(path.join(tree('upper'), 'gone'));
  fs.writeFileSync(path.join(tree('upper'), 'keep', 'b'), Buffer.alloc(64 * 1024, 2));
  t.deepEqual(await driver.changes('upper', 'base'), [
    { kind: 'delete', path: 'gone' },
    { kind: 'modify', path: 'keep' },
    { kind: 'add', path: 'keep/b' },
  ]);
  const usage = await driver.usage('upper');
  t.true(usage.size >= 64 * 1024 && usage.size < 1024 * 1024, `the parent's 1 MiB file is not counted (${usage.size})`);
  t.is(usage.inodes, 2, 'keep/ and keep/b');
});

test("a layer's diff applied on the same parent gives the same tree", async (t) => {
  const { driver, tree } = await scratchDriver(t);
  await driver.create('base', undefined, RW);
  fs.mkdirSync(path.join(tree('base'), 'd'));
  fs.writeFileSync(path.join(tree('base'), 'd', 'old'), 'old');
  fs.writeFileSync(path.join(tree('base'), 'x'), 'x');
  await driver.create('upper', 'base', RW);
  fs.writeFileSync(path.join(tree('upper'), 'd', 'old'), 'rewritten');
  fs.rmSync(path.join(tree('upper'), 'x'));
  fs.symlinkSync('d/old', path.join(tree('upper'), 'link'));
  await driver.create('copy', 'base', RW);
  const written = await driver.applyDiff('copy', 'base', driver.diff('upper', 'base'));
  t.is(written, 'rewritten'.length);
  t.deepEqual(await driver.changes('copy', 'upper'), [], 'nothing differs, directory times included');
  t.false(fs.existsSync(path.join(tree('copy'), 'x')));
});
