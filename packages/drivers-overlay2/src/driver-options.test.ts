import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { InvalidArgumentError, NotSupportedError } from '@layerctl/sys';
import { fsTypeAt, mountPoints, scratchDir } from '@layerctl/sys/testing';
import { Overlay2Driver } from './driver.ts';
import { createChain, diffDir, headersOf, makeChangedChild, mergedTree, scratchDriver } from './scratch-driver.ts';

process.umask(0o022);

const CHILD_TREE = ['added file 644 added', 'dir dir 750', 'dir/new file 644 new', 'kept file 644 rewritten', 'link symlink kept'];

test('with overlay2.diff=naive the diff compares merged trees, and applying it gives the same tree', async (t) => {
  const { driver, root } = await scratchDriver(t, { 'overlay2.diff': 'naive' });
  t.regex(new Map(driver.status()).get('Native Overlay Diff') ?? '', /^false \(overlay2.diff=naive\); the tree-comparing diff is used$/);
  await makeChangedChild(driver, root);

  const headers = await headersOf(driver.diff('child', 'base'));
  t.deepEqual(
    headers.map((h) => h.name),
    ['.wh.gone', 'added', 'dir', 'dir/.wh.hidden', 'dir/new', 'kept', 'link'],
    'no opaque marker: the removed entries are listed one by one',
  );
  t.false(mountPoints().some((m) => m.startsWith(root)), 'the compared trees are unmounted once the tar ends');

  await driver.create('copy', 'base', { readonly: false });
  await driver.applyDiff('copy', 'base', driver.diff('child', 'base'));
  t.deepEqual(await mergedTree(driver, 'copy'), CHILD_TREE);
});

test('a naive diff keeps the owner and mode of unchanged directories above a change when applied', async (t) => {
  const { driver, root } = await scratchDriver(t, { 'overlay2.diff': 'naive' });
  await driver.create('base', undefined, { readonly: false });
  const etc = path.join(diffDir(root, 'base'), 'etc');
  fs.mkdirSync(etc, { mode: 0o710 });
  fs.chownSync(etc, 1000, 1001);
  fs.writeFileSync(path.join(etc, 'conf'), 'old');
  await driver.create('child', 'base', { readonly: false });
  const merged = await driver.mount('child');
  fs.writeFileSync(path.join(merged, 'etc', 'conf'), 'new content');
  await driver.unmount('child');

  await driver.create('copy', 'base', { readonly: false });
  await driver.applyDiff('copy', 'base', driver.diff('child', 'base'));
  const copied = fs.statSync(path.join(diffDir(root, 'copy'), 'etc'));
  t.deepEqual([copied.mode & 0o7777, copied.uid, copied.gid], [0o710, 1000, 1001]);
  t.deepEqual(await mergedTree(driver, 'copy'), await mergedTree(driver, 'child'));
});

test('a diff against a layer other than the parent compares trees, whatever the native diff setting', async (t) => {
  const { driver, root } = await scratchDriver(t);
  await makeChangedChild(driver, root);
  await driver.create('grandchild', 'child', { readonly: false });
  fs.writeFileSync(path.join(diffDir(root, 'grandchild'), 'top'), 'top');

  const headers = await headersOf(driver.diff('grandchild', 'base'));
  t.deepEqual(headers.map((h) => h.name), ['.wh.gone', 'added', 'dir', 'dir/.wh.hidden', 'dir/new', 'kept', 'link', 'top']);
  t.deepEqual(
    (await headersOf(driver.diff('grandchild', undefined))).map((h) => h.name),
    ['added', 'dir', 'dir/new', 'kept', 'link', 'top'],
    'against nothing: the whole merged tree',
  );
  await t.throwsAsync(driver.applyDiff('grandchild', 'base', driver.diff('child', 'base')), { instanceOf: InvalidArgumentError });
});

test('with overlay2.mount_api=legacy 128 lower layers mount through one mount(2) option string, as Docker\'s', async (t) => {
  const { driver, root } = await scratchDriver(t, { 'overlay2.mount_api': 'legacy' });
  t.regex(new Map(driver.status()).get('Mount API') ?? '', /^legacy/);
  const ids = Array.from({ length: 128 }, (_, i) => `layer-${i}`);
  await createChain(driver, ...ids, 'top');
  for (const id of ids) fs.writeFileSync(path.join(diffDir(root, id), id), id);
  const [mount] = driver.mounts('top');
  t.regex(mount?.options[0] ?? '', /^lowerdir=[^,]+\/l\/[A-Z2-7]{26}:[^,]+\/l\/[A-Z2-7]{26}:/);
  const merged = await driver.mount('top');
  t.is(fsTypeAt(merged), 'overlay');
  t.is(fs.readdirSync(merged).length, 128);
  fs.writeFileSync(path.join(merged, 'written'), 'x');
  t.true(fs.existsSync(path.join(diffDir(root, 'top'), 'written')));
  await driver.unmount('top');
});

test('with overlay2.mount_api=legacy a chain too deep for one page is refused naming the option, not the kernel', async (t) => {
  const { driver } = await scratchDriver(t, { 'overlay2.mount_api': 'legacy' });
  await createChain(driver, ...Array.from({ length: 150 }, (_, i) => `layer-${i}`), 'top');
  t.throws(() => driver.mounts('top'), {
    instanceOf: NotSupportedError,
    message: 'overlay2 layer top: 150 lower layers do not fit in one page of mount(2) options, and overlay2.mount_api=legacy was asked for',
  });
});

test('an unknown option or value is refused naming it', (t) => {
  const root = scratchDir(t);
  const make = (options: Record<string, string>) => () => new Overlay2Driver({ root, tmpDir: path.join(root, 'tmp'), options });
  t.throws(make({ 'overlay2.size': '10G' }), { instanceOf: InvalidArgumentError, message: /unknown option "overlay2.size"/ });
  t.throws(make({ 'overlay2.diff': 'fast' }), { instanceOf: InvalidArgumentError, message: /overlay2.diff="fast": expected native or naive/ });
});
