import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { errorCode, fuseServerPid, readTar, unmountAll, type TarHeader } from '@layerctl/snapshotter';
import { lgetxattr, lsetxattr, mknod, S_IFCHR } from '@layerctl/sys';
import { mountPoints, scratchDir } from '@layerctl/sys/testing';
import { AufsDriver } from './driver.ts';

const RW = { readonly: false };

/** An initialised driver on a fresh root; every mount under the root comes off when the test ends. */
async function scratchDriver(t: ExecutionContext): Promise<{ driver: AufsDriver; root: string }> {
  const root = scratchDir(t);
  t.teardown(() => {
    for (const point of mountPoints().filter((m) => m.startsWith(`${root}/`)).reverse()) unmountAll(point);
  });
  const driver = new AufsDriver({ root, tmpDir: path.join(root, 'tmp') });
  await driver.init();
  return { driver, root };
}

const branch = (root: string, id: string): string => path.join(root, 'aufs', 'diff', id);

/** The pid of the fuse-overlayfs serving `target`, found as the mount helper finds it. */
const serverOf = fuseServerPid;

/** Whether a pid still runs: a zombie, or a pid gone from /proc, has exited. */
function runningOrGone(pid: number): boolean {
  try {
    return !/\) [ZX] /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch (err) {
    if (errorCode(err) === 'ENOENT' || errorCode(err) === 'ESRCH') return false;
    throw err;
  }
}

async function headers(stream: AsyncIterable<Buffer>): Promise<TarHeader[]> {
  const out: TarHeader[] = [];
  for await (const entry of readTar(stream)) {
    for await (const chunk of entry.body) void chunk;
    out.push(entry.header);
  }
  return out;
}

async function tarBytes(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

test('status says which mount path is in use and that the kernel aufs path is untested on this host', async (t) => {
  const { driver } = await scratchDriver(t);
  const status = new Map(driver.status());
  t.regex(status.get('Mount path') ?? '', /^fuse-overlayfs 1\.\d+ over the aufs branches \(the kernel has no aufs/);
  t.regex(status.get('Kernel aufs') ?? '', /untested on this host/);
});

test('a mount of a child is served by fuse-overlayfs, and the last unmount waits until that server has exited', async (t) => {
  const { driver } = await scratchDriver(t);
  await driver.create('base', undefined, RW);
  await driver.create('child', 'base', RW);
  const merged = await driver.mount('child');
  const pid = serverOf(merged);
  t.not(pid, undefined, 'a fuse-overlayfs process serves the mount');
  await driver.unmount('child');
  t.false(mountPoints().includes(merged));
  t.false(pid !== undefined && runningOrGone(pid), 'the server has exited when unmount returns');
});

test('a deletion, an opaque directory and helper xattrs written through FUSE are sealed into aufs form when the layer becomes a parent', async (t) => {
  const { driver, root } = await scratchDriver(t);
  await driver.create('base', undefined, RW);
  fs.mkdirSync(path.join(branch(root, 'base'), 'dir'));
  fs.writeFileSync(path.join(branch(root, 'base'), 'dir', 'old'), 'old');
  fs.writeFileSync(path.join(branch(root, 'base'), 'gone'), 'gone');
  fs.writeFileSync(path.join(branch(root, 'base'), 'kept'), 'kept');
  await driver.create('child', 'base', RW);
  const merged = await driver.mount('child');
  fs.rmSync(path.join(merged, 'gone'));
  fs.rmSync(path.join(merged, 'dir'), { recursive: true });
  fs.mkdirSync(path.join(merged, 'dir'));
  fs.appendFileSync(path.join(merged, 'kept'), '!');
  await driver.unmount('child');
  const before = await tarBytes(driver.diff('child', 'base'));
  const dirTime = fs.lstatSync(path.join(branch(root, 'child'), 'dir'), { bigint: true }).mtimeNs;

  await driver.create('grandchild', 'child', RW);
  const sealed = branch(root, 'child');
  t.deepEqual(fs.readdirSync(sealed).sort(), ['.wh.gone', 'dir', 'kept']);
  t.true(fs.lstatSync(path.join(sealed, '.wh.gone')).isFile(), 'the char 0/0 whiteout is a .wh. file now');
  t.deepEqual(fs.readdirSync(path.join(sealed, 'dir')), ['.wh..wh..opq'], 'the opaque directory holds the aufs marker and nothing else');
  t.is(lgetxattr(path.join(sealed, 'dir'), 'trusted.overlay.opaque'), undefined);
  t.is(lgetxattr(path.join(sealed, 'kept'), 'user.fuseoverlayfs.origin'), undefined);
  t.is(fs.lstatSync(path.join(sealed, 'dir'), { bigint: true }).mtimeNs, dirTime, 'sealing keeps directory times');
  t.true(before.equals(await tarBytes(driver.diff('child', 'base'))), 'the diff is byte-identical before and after sealing');

  const merged2 = await driver.mount('grandchild');
  t.deepEqual(fs.readdirSync(merged2).sort(), ['dir', 'kept'], 'the sealed branch still hides what it deleted');
  t.deepEqual(fs.readdirSync(path.join(merged2, 'dir')), []);
  await driver.unmount('grandchild');
});

test('a diff leaves out aufs metadata and helper xattrs, and keeps the opaque marker right after its directory where something lies below', async (t) => {
  const { driver, root } = await scratchDriver(t);
  await driver.create('base', undefined, RW);
  fs.mkdirSync(path.join(branch(root, 'base'), 'dir'));
  fs.writeFileSync(path.join(branch(root, 'base'), 'dir', 'hidden'), 'hidden');
  await driver.create('child', 'base', RW);
  const b = branch(root, 'child');
  for (const dir of ['.wh..wh.plnk', '.wh..wh.orph', 'dir', 'new']) fs.mkdirSync(path.join(b, dir));
  fs.writeFileSync(path.join(b, '.wh..wh.plnk', 'pooled'), 'x');
  fs.writeFileSync(path.join(b, '.wh..wh.aufs'), 'xino');
  fs.writeFileSync(path.join(b, 'dir', '.wh..wh..opq'), '', { mode: 0o700 });
  fs.writeFileSync(path.join(b, 'dir', '-first'), 'sorts before the marker');
  // fuse-overlayfs marks the directories it creates opaque even where nothing lies below.
  fs.writeFileSync(path.join(b, 'new', '.wh..wh..opq'), '', { mode: 0o700 });
  fs.writeFileSync(path.join(b, '.wh.deleted'), '', { mode: 0o700 });
  lsetxattr(path.join(b, 'dir'), 'user.fuseoverlayfs.origin', Buffer.from('dir'));
  lsetxattr(path.join(b, 'dir'), 'user.note', Buffer.from('kept'));
  const entries = await headers(driver.diff('child', 'base'));
  t.deepEqual(entries.map((h) => h.name), ['.wh.deleted', 'dir', 'dir/.wh..wh..opq', 'dir/-first', 'new']);
  t.deepEqual([...(entries.find((h) => h.name === 'dir')?.xattrs.keys() ?? [])], ['user.note']);
  const marker = entries.find((h) => h.name === '.wh.deleted');
  t.deepEqual([marker?.mode, marker?.mtimeNs, marker?.size], [0o644, 0n, 0], 'whiteouts have one canonical header');
});

test('applyDiff lands whiteouts and opaque markers as .wh. files in the branch', async (t) => {
  const { driver, root } = await scratchDriver(t);
  await driver.create('base', undefined, RW);
  fs.mkdirSync(path.join(branch(root, 'base'), 'dir'));
  fs.writeFileSync(path.join(branch(root, 'base'), 'dir', 'old'), 'old');
  fs.writeFileSync(path.join(branch(root, 'base'), 'gone'), 'gone');
  await driver.create('changed', 'base', RW);
  const merged = await driver.mount('changed');
  fs.rmSync(path.join(merged, 'gone'));
  fs.rmSync(path.join(merged, 'dir'), { recursive: true });
  fs.mkdirSync(path.join(merged, 'dir'));
  await driver.unmount('changed');
  await driver.create('copy', 'base', RW);
  await driver.applyDiff('copy', 'base', driver.diff('changed', 'base'));
  const copy = branch(root, 'copy');
  t.deepEqual(fs.readdirSync(copy).sort(), ['.wh.gone', 'dir']);
  t.true(fs.lstatSync(path.join(copy, '.wh.gone')).isFile());
  t.deepEqual(fs.readdirSync(path.join(copy, 'dir')), ['.wh..wh..opq']);
});

test('init sweeps what a killed remove left (<id>-removing) and list() never names it', async (t) => {
  const { driver, root } = await scratchDriver(t);
  await driver.create('doomed', undefined, RW);
  for (const dir of ['layers', 'diff', 'mnt', 'work']) fs.renameSync(path.join(root, 'aufs', dir, 'doomed'), path.join(root, 'aufs', dir, 'doomed-removing'));
  t.deepEqual(driver.list(), []);
  const again = new AufsDriver({ root, tmpDir: path.join(root, 'tmp') });
  await again.init();
  for (const dir of ['layers', 'diff', 'mnt', 'work']) t.deepEqual(fs.readdirSync(path.join(root, 'aufs', dir)), [], `${dir}/ is empty`);
});

test('init unmounts a FUSE mount whose server was killed (ENOTCONN), which gc could not remove otherwise', async (t) => {
  const { driver, root } = await scratchDriver(t);
  await driver.create('base', undefined, RW);
  await driver.create('child', 'base', RW);
  const merged = await driver.mount('child');
  const pid = serverOf(merged);
  if (pid === undefined) return t.fail('no fuse-overlayfs serves the mount');
  // The server this test's mount started: killing it is what a crash or an OOM kill does.
  process.kill(pid, 'SIGKILL');
  while (runningOrGone(pid)) await new Promise((resolve) => setTimeout(resolve, 2));
  t.throws(() => fs.statSync(merged), { code: 'ENOTCONN' });
  const again = new AufsDriver({ root, tmpDir: path.join(root, 'tmp') });
  await again.init();
  t.false(mountPoints().includes(merged), 'the dead mount is gone');
  await again.remove('child');
  t.false(again.exists('child'));
});

test('a process killed while it holds a mount leaves a layer that remove() (what gc calls) takes down with its server', async (t) => {
  const root = scratchDir(t);
  t.teardown(() => {
    for (const point of mountPoints().filter((m) => m.startsWith(`${root}/`)).reverse()) unmountAll(point);
  });
  const script = `
    import path from 'node:path';
    import { AufsDriver } from ${JSON.stringify(new URL('./driver.ts', import.meta.url).href)};
    const driver = new AufsDriver({ root: ${JSON.stringify(root)}, tmpDir: path.join(${JSON.stringify(root)}, 'tmp') });
    await driver.init();
    await driver.create('base', undefined, { readonly: false });
    await driver.create('child', 'base', { readonly: false });
    await driver.mount('child');
    process.kill(process.pid, 'SIGKILL');
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: import.meta.dirname, encoding: 'utf8' });
  t.is(child.signal, 'SIGKILL', child.stderr);
  const merged = path.join(root, 'aufs', 'mnt', 'child');
  const pid = serverOf(merged);
  t.not(pid, undefined, 'the mount outlived its process, as a mount does');
  const driver = new AufsDriver({ root, tmpDir: path.join(root, 'tmp') });
  await driver.init();
  await driver.remove('child');
  await driver.remove('base');
  t.deepEqual(driver.list(), []);
  t.false(mountPoints().some((m) => m.startsWith(`${root}/`)));
  t.false(pid !== undefined && runningOrGone(pid), 'no fuse-overlayfs is left running');
});

test('a char 0/0 whiteout in a branch hides the name below, as fuse-overlayfs reads it', async (t) => {
  const { driver, root } = await scratchDriver(t);
  await driver.create('base', undefined, RW);
  fs.writeFileSync(path.join(branch(root, 'base'), 'gone'), 'gone');
  await driver.create('child', 'base', RW);
  mknod(path.join(branch(root, 'child'), 'gone'), S_IFCHR, 0, 0);
  await driver.create('top', 'child', RW);
  const merged = await driver.mount('top');
  t.deepEqual(fs.readdirSync(merged), []);
  await driver.unmount('top');
});
