import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { AlreadyExistsError, FailedPreconditionError, lgetxattr, NotFoundError, NotSupportedError } from '@layerctl/sys';
import { fsTypeAt, mountPoints } from '@layerctl/sys/testing';
import { unmountAll } from '@layerctl/snapshotter';
import { Overlay2Driver } from './driver.ts';
import { createChain, diffDir, headersOf, makeChangedChild, mergedTree, scratchDriver, shortName, treeLines } from './scratch-driver.ts';
import { OPAQUE_XATTR } from './whiteout.ts';

process.umask(0o022);

const WRITABLE = { readonly: false };
const READONLY = { readonly: true };

test('a child sees its parents files through its mount and its writes land in its own diff dir', async (t) => {
  const { driver, root } = await scratchDriver(t);
  await driver.create('base', undefined, WRITABLE);
  fs.writeFileSync(path.join(diffDir(root, 'base'), 'from-base'), 'base');
  await driver.create('child', 'base', WRITABLE);
  fs.writeFileSync(path.join(diffDir(root, 'child'), 'from-child'), 'child');
  await driver.create('grandchild', 'child', WRITABLE);

  const merged = await driver.mount('grandchild');
  t.is(fsTypeAt(merged), 'overlay');
  t.deepEqual(fs.readdirSync(merged).sort(), ['from-base', 'from-child']);
  fs.writeFileSync(path.join(merged, 'written'), 'top');
  fs.writeFileSync(path.join(merged, 'from-base'), 'changed');

  t.deepEqual(fs.readdirSync(diffDir(root, 'grandchild')).sort(), ['from-base', 'written']);
  t.is(fs.readFileSync(path.join(diffDir(root, 'base'), 'from-base'), 'utf8'), 'base', 'the parent is untouched');
  await driver.unmount('grandchild');
  t.false(mountPoints().includes(merged));
});

test('create writes Docker\'s layout: a 26-character l/ link to the diff dir and lower nearest first', async (t) => {
  const { driver, root } = await scratchDriver(t);
  await createChain(driver, 'base', 'child', 'grandchild');
  const home = path.join(root, 'overlay2');
  const link = (id: string): string => shortName(root, id);

  t.regex(link('base'), /^[A-Z2-7]{26}$/);
  t.is(fs.readlinkSync(path.join(home, 'l', link('base'))), '../base/diff');
  t.false(fs.existsSync(path.join(home, 'base', 'lower')));
  t.is(fs.readFileSync(path.join(home, 'grandchild', 'lower'), 'utf8'), `l/${link('child')}:l/${link('base')}`);
  t.deepEqual(fs.readdirSync(path.join(home, 'child')).sort(), ['diff', 'link', 'lower', 'merged', 'work']);
  t.deepEqual(driver.list().sort(), ['base', 'child', 'grandchild']);
});

test('mounts() is one overlay with a lowerdir+ per parent, nearest first, then upper and work dirs', async (t) => {
  const { driver, root } = await scratchDriver(t);
  await createChain(driver, 'base', 'child', 'top');
  const home = path.join(root, 'overlay2');
  const short = (id: string): string => path.join(home, 'l', shortName(root, id));
  t.deepEqual(driver.mounts('top'), [
    {
      type: 'overlay',
      source: 'overlay',
      options: [`lowerdir+=${short('child')}`, `lowerdir+=${short('base')}`, `upperdir=${diffDir(root, 'top')}`, `workdir=${path.join(home, 'top', 'work')}`],
    },
  ]);
  t.deepEqual(driver.mounts('base'), [{ type: 'bind', source: diffDir(root, 'base'), options: ['rbind', 'rw'] }]);
});

test('deleting a lower file leaves a char 0/0 whiteout in the upper dir and a recreated directory is opaque', async (t) => {
  const { driver, root } = await scratchDriver(t);
  await driver.create('base', undefined, WRITABLE);
  fs.mkdirSync(path.join(diffDir(root, 'base'), 'dir'));
  fs.writeFileSync(path.join(diffDir(root, 'base'), 'dir', 'hidden'), '');
  fs.writeFileSync(path.join(diffDir(root, 'base'), 'gone'), '');
  await driver.create('child', 'base', WRITABLE);
  const merged = await driver.mount('child');
  fs.rmSync(path.join(merged, 'gone'));
  fs.rmSync(path.join(merged, 'dir'), { recursive: true });
  fs.mkdirSync(path.join(merged, 'dir'));
  await driver.unmount('child');

  const whiteout = fs.lstatSync(path.join(diffDir(root, 'child'), 'gone'));
  t.true(whiteout.isCharacterDevice());
  t.is(whiteout.rdev, 0);
  t.is(lgetxattr(path.join(diffDir(root, 'child'), 'dir'), OPAQUE_XATTR)?.toString(), 'y');
});

test('the diff of a child is an OCI tar: .wh. files for deletions, an opaque marker, no hardlinks and no overlay xattrs', async (t) => {
  const { driver, root } = await scratchDriver(t);
  await driver.create('base', undefined, WRITABLE);
  for (const name of ['a', 'b', 'keep']) fs.writeFileSync(path.join(diffDir(root, 'base'), name), name);
  fs.mkdirSync(path.join(diffDir(root, 'base'), 'dir'));
  fs.writeFileSync(path.join(diffDir(root, 'base'), 'dir', 'hidden'), '');
  await driver.create('child', 'base', WRITABLE);
  const merged = await driver.mount('child');
  fs.rmSync(path.join(merged, 'a'));
  fs.rmSync(path.join(merged, 'b'));
  fs.rmSync(path.join(merged, 'dir'), { recursive: true });
  fs.mkdirSync(path.join(merged, 'dir'));
  fs.writeFileSync(path.join(merged, 'dir', 'new'), 'new');
  fs.writeFileSync(path.join(merged, 'added'), 'added');
  await driver.unmount('child');
  // The premise: the kernel links every whiteout of a mount to one inode.
  t.true(fs.lstatSync(path.join(diffDir(root, 'child'), 'a')).nlink > 1, 'whiteouts share an inode here');

  const headers = await headersOf(driver.diff('child', 'base'));
  t.deepEqual(
    headers.map((h) => [h.name, h.type]),
    [
      ['.wh.a', 'file'],
      ['.wh.b', 'file'],
      ['added', 'file'],
      ['dir', 'directory'],
      ['dir/.wh..wh..opq', 'file'],
      ['dir/new', 'file'],
    ],
  );
  t.false(headers.some((h) => [...h.xattrs.keys()].some((name) => name.startsWith('trusted.overlay.'))));
});

test('applyDiff of a layer\'s diff into a fresh layer gives the same merged tree and the overlay whiteout form', async (t) => {
  const { driver, root } = await scratchDriver(t);
  await makeChangedChild(driver, root);

  await driver.create('copy', 'base', WRITABLE);
  const size = await driver.applyDiff('copy', 'base', driver.diff('child', 'base'));
  t.is(size, 'new'.length + 'rewritten'.length + 'added'.length, 'the content bytes written');
  t.deepEqual(treeLines(diffDir(root, 'copy')), treeLines(diffDir(root, 'child')));
  t.true(fs.lstatSync(path.join(diffDir(root, 'copy'), 'gone')).isCharacterDevice());
  t.is(lgetxattr(path.join(diffDir(root, 'copy'), 'dir'), OPAQUE_XATTR)?.toString(), 'y');

  const copyTree = await mergedTree(driver, 'copy');
  t.deepEqual(copyTree, await mergedTree(driver, 'child'));
  t.deepEqual(copyTree, ['added file 644 added', 'dir dir 750', 'dir/new file 644 new', 'kept file 644 rewritten', 'link symlink kept']);
});

test('a readonly layer mounts read-only: a write fails with EROFS, on a base layer, a child and a grandchild', async (t) => {
  const { driver, root } = await scratchDriver(t);
  await driver.create('base', undefined, READONLY);
  await createChain(driver, 'layer', 'child');
  fs.writeFileSync(path.join(diffDir(root, 'layer'), 'file'), 'x');
  await driver.create('view', 'layer', READONLY);
  await driver.create('deep-view', 'child', READONLY);
  t.deepEqual(driver.mounts('base'), [{ type: 'bind', source: diffDir(root, 'base'), options: ['rbind', 'ro'] }]);
  t.deepEqual(driver.mounts('view'), [{ type: 'bind', source: path.join(root, 'overlay2', 'l', shortName(root, 'layer')), options: ['rbind', 'ro'] }]);
  const [overlay] = driver.mounts('deep-view');
  t.deepEqual(overlay?.options.filter((o) => !o.startsWith('lowerdir+=')), ['ro'], 'no upper, no work dir');
  t.is(overlay?.options.length, 3, 'the parents alone are its lowers');

  const base = await driver.mount('base');
  t.throws(() => fs.writeFileSync(path.join(base, 'new'), 'x'), { code: 'EROFS' }, 'base');
  await driver.unmount('base');
  for (const id of ['view', 'deep-view']) {
    const merged = await driver.mount(id);
    t.is(fs.readFileSync(path.join(merged, 'file'), 'utf8'), 'x');
    t.throws(() => fs.writeFileSync(path.join(merged, 'new'), 'x'), { code: 'EROFS' }, id);
    t.throws(() => fs.unlinkSync(path.join(merged, 'file')), { code: 'EROFS' }, id);
    await driver.unmount(id);
  }
  await t.throwsAsync(driver.applyDiff('view', 'layer', driver.diff('child', 'layer')), { instanceOf: FailedPreconditionError });
});

test('a read-only view of 500 layers fits the kernel limit', async (t) => {
  const { driver } = await scratchDriver(t);
  await createChain(driver, ...Array.from({ length: 500 }, (_, i) => `layer-${i}`));
  await driver.create('view', 'layer-499', READONLY);
  t.is(driver.mounts('view')[0]?.options.filter((o) => o.startsWith('lowerdir+=')).length, 500);
  const merged = await driver.mount('view');
  t.is(fsTypeAt(merged), 'overlay');
  await driver.unmount('view');
});

test('a chain of 500 lower layers mounts through lowerdir+, and a 501st is refused naming the limit', async (t) => {
  const { driver, root } = await scratchDriver(t);
  let parent: string | undefined;
  for (let i = 0; i < 500; i++) {
    const id = `layer-${i}`;
    await driver.create(id, parent, WRITABLE);
    fs.writeFileSync(path.join(diffDir(root, id), `file-${i}`), String(i));
    parent = id;
  }
  await driver.create('top', parent, WRITABLE);
  const merged = await driver.mount('top');
  t.is(fs.readdirSync(merged).length, 500);
  t.is(fs.readFileSync(path.join(merged, 'file-0'), 'utf8'), '0');
  await driver.unmount('top');

  await driver.create('too-deep', 'top', WRITABLE);
  const err = t.throws(() => driver.mounts('too-deep'), { instanceOf: NotSupportedError });
  t.regex(err?.message ?? '', /501 lower layers, overlay takes at most 500/);
});

test('mount is counted: two mounts need two unmounts, and the count holds across driver instances', async (t) => {
  const { driver, root } = await scratchDriver(t);
  await driver.create('base', undefined, WRITABLE);
  await driver.create('child', 'base', WRITABLE);
  const merged = await driver.mount('child');
  const other = new Overlay2Driver({ root, tmpDir: path.join(root, 'tmp') });
  await other.init();
  t.is(await other.mount('child'), merged);
  t.is(mountPoints().filter((m) => m === merged).length, 1, 'the second mount is counted, not stacked');

  await driver.unmount('child');
  t.true(mountPoints().includes(merged), 'one count left: still mounted');
  await other.unmount('child');
  t.false(mountPoints().includes(merged), 'no count left: unmounted');
  await t.notThrowsAsync(driver.unmount('child'), 'an unmount without a count does nothing');
});

test('a count left by a mount that is gone (reboot, umount from outside) is reset by the next mount', async (t) => {
  const { driver, root } = await scratchDriver(t);
  await driver.create('base', undefined, WRITABLE);
  await driver.create('child', 'base', WRITABLE);
  const merged = await driver.mount('child');
  await driver.mount('child');
  fs.rmSync(path.join(root, 'overlay2', 'child', 'mount-count'));
  fs.writeFileSync(path.join(root, 'overlay2', 'child', 'mount-count'), '7');
  await driver.unmount('child');
  await driver.unmount('child');
  t.true(mountPoints().includes(merged), 'the file said 7');
  unmountAll(merged);

  await driver.mount('child');
  t.true(mountPoints().includes(merged));
  await driver.unmount('child');
  t.false(mountPoints().includes(merged), 'the stale count was not kept');
});

test('remove deletes the layer and its short link; a missing id is no error; a mounted layer is refused', async (t) => {
  const { driver, root } = await scratchDriver(t);
  await driver.create('base', undefined, WRITABLE);
  await driver.create('child', 'base', WRITABLE);
  const linkDir = path.join(root, 'overlay2', 'l');
  t.is(fs.readdirSync(linkDir).length, 2);

  await driver.mount('child');
  await t.throwsAsync(driver.remove('child'), { instanceOf: FailedPreconditionError });
  await driver.unmount('child');
  await driver.remove('child');
  t.false(driver.exists('child'));
  t.false(fs.existsSync(path.join(root, 'overlay2', 'child')));
  t.is(fs.readdirSync(linkDir).length, 1);
  await t.notThrowsAsync(driver.remove('never-made'));
});

test('the leftover of a create() cut short is no layer, is listed for gc, and remove() takes its l/ link too', async (t) => {
  const { driver, root } = await scratchDriver(t);
  await driver.create('base', undefined, WRITABLE);
  const home = path.join(root, 'overlay2');
  // As a crash after the l/ link and before the rename of link.pending would leave it.
  fs.renameSync(path.join(home, 'base', 'link'), path.join(home, 'base', 'link.pending'));
  t.false(driver.exists('base'));
  t.deepEqual(driver.list(), ['base']);
  t.is(fs.readdirSync(path.join(home, 'l')).length, 1);
  await driver.remove('base');
  t.deepEqual(driver.list(), []);
  t.deepEqual(fs.readdirSync(path.join(home, 'l')), []);
});

test('create refuses an id in use and a missing parent; unknown layers are NotFound', async (t) => {
  const { driver } = await scratchDriver(t);
  await driver.create('base', undefined, WRITABLE);
  await t.throwsAsync(driver.create('base', undefined, WRITABLE), { instanceOf: AlreadyExistsError });
  await t.throwsAsync(driver.create('child', 'missing', WRITABLE), { instanceOf: NotFoundError });
  t.false(driver.exists('child'));
  t.throws(() => driver.mounts('missing'), { instanceOf: NotFoundError });
  await t.throwsAsync(driver.mount('missing'), { instanceOf: NotFoundError });
});

test('changes list additions, modifications and deletions in canonical order', async (t) => {
  const { driver, root } = await scratchDriver(t);
  await driver.create('base', undefined, WRITABLE);
  fs.writeFileSync(path.join(diffDir(root, 'base'), 'modified'), '1');
  fs.writeFileSync(path.join(diffDir(root, 'base'), 'deleted'), '1');
  await driver.create('child', 'base', WRITABLE);
  const merged = await driver.mount('child');
  fs.writeFileSync(path.join(merged, 'modified'), '2');
  fs.rmSync(path.join(merged, 'deleted'));
  fs.mkdirSync(path.join(merged, 'added'));
  fs.writeFileSync(path.join(merged, 'added', 'file'), '');
  await driver.unmount('child');
  t.deepEqual(await driver.changes('child', 'base'), [
    { kind: 'add', path: 'added' },
    { kind: 'add', path: 'added/file' },
    { kind: 'delete', path: 'deleted' },
    { kind: 'modify', path: 'modified' },
  ]);
  t.deepEqual(await driver.changes('child', undefined), [
    { kind: 'add', path: 'added' },
    { kind: 'add', path: 'added/file' },
    { kind: 'add', path: 'modified' },
  ], 'against no parent, by comparing trees: everything the layer shows is added');
  t.false(mountPoints().some((m) => m.startsWith(root)), 'the trees compared are unmounted again');
});

test('usage counts the blocks and inodes of the layer alone', async (t) => {
  const { driver, root } = await scratchDriver(t);
  await driver.create('base', undefined, WRITABLE);
  fs.writeFileSync(path.join(diffDir(root, 'base'), 'big'), Buffer.alloc(1 << 20, 1));
  await driver.create('child', 'base', WRITABLE);
  t.deepEqual(await driver.usage('child'), { size: 0, inodes: 0 });
  const usage = await driver.usage('base');
  t.is(usage.inodes, 1);
  t.true(usage.size >= 1 << 20 && usage.size < (1 << 20) + 65536, `size ${usage.size}`);
});

test('status names the backing filesystem, d_type, the diff in use, the layer limit and the mount API', async (t) => {
  const { driver } = await scratchDriver(t);
  const status = new Map(driver.status());
  t.is(status.get('Backing Filesystem'), 'tmpfs');
  t.is(status.get('Supports d_type'), 'true');
  t.is(status.get('Native Overlay Diff'), 'true');
  t.is(status.get('Layer limit'), '500');
  t.regex(status.get('Mount API') ?? '', /^new /);
  t.regex(status.get('Overlay module defaults') ?? '', /^redirect_dir=[YN?]\S* metacopy=[YN?] index=[YN?]$/);
});
