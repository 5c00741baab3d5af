import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import test, { type ExecutionContext } from 'ava';
import { mountAll, TMP_DIR, unmountAll } from '@layerctl/snapshotter';
import { attachedLoops, detachLoop, FailedPreconditionError, isMountPoint, MNT_DETACH, SysError, umount2 } from '@layerctl/sys';
import { mountPoints, scratchDir } from '@layerctl/sys/testing';
import { DEVICE_DB, DeviceStore } from './device-store.ts';
import { DevmapperDriver, HOME_DIR } from './driver.ts';

const MiB = 1024 * 1024;
/** Small devices keep mkfs and ENOSPC quick; the pool is the driver's own sparse XFS file. */
const OPTIONS = { 'devmapper.backend': 'reflink', 'devmapper.pool_size': '2G', 'devmapper.basesize': '64M' };

function loopsUnder(dir: string): number[] {
  return attachedLoops().filter((l) => l.backingFile.startsWith(`${dir}/`)).map((l) => l.number);
}

/** A scratch root whose loop devices and mounts are taken away at the end whatever happened (registered before scratchDir's own check runs). */
function scratchRoot(t: ExecutionContext): string {
  const root = scratchDir(t);
  t.teardown(() => {
    // Detached first, so each goes with its last mount; a mount another process's copied
    // namespace still holds leaves ours lazily (MNT_DETACH) and goes with that namespace.
    for (const n of loopsUnder(root)) detachLoop(n);
    for (const m of mountPoints().filter((p) => p.startsWith(`${root}/`)).reverse()) {
      try {
        unmountAll(m);
      } catch (err) {
        if (!(err instanceof SysError && err.code === 'EBUSY')) throw err;
        umount2(m, MNT_DETACH);
      }
    }
  });
  return root;
}

async function openDriver(t: ExecutionContext, root: string, extra: Record<string, string> = {}): Promise<DevmapperDriver> {
  const driver = new DevmapperDriver({ root, tmpDir: path.join(root, TMP_DIR), options: { ...OPTIONS, ...extra } });
  await driver.init();
  t.teardown(() => driver.close());
  return driver;
}

/** Autoclear devices go as their last user does; the kernel may finish a moment later. */
async function settled(check: () => boolean): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if (check()) return true;
    await sleep(10);
  }
  return false;
}

test('the driver formats its own pool file, mounts it while in use, and leaves nothing attached or mounted after close', async (t) => {
  const root = scratchRoot(t);
  const driver = await openDriver(t, root);
  t.deepEqual(loopsUnder(root), [], 'init() makes nothing');
  await driver.create('a', undefined, { readonly: false });
  const dir = await driver.mount('a');
  fs.writeFileSync(`${dir}/file`, 'data');
  t.is(loopsUnder(root).length, 2, 'the pool and the device are attached while mounted');
  await driver.unmount('a');
  t.true(await settled(() => loopsUnder(`${root}/${HOME_DIR}/pool/images`).length === 0), 'the device goes with its last unmount');
  await driver.close();
  t.false(isMountPoint(`${root}/${HOME_DIR}/pool`), 'close() unmounts the pool');
  t.true(await settled(() => loopsUnder(root).length === 0), 'and its loop device goes with it');

  const again = await openDriver(t, root);
  t.true(again.exists('a'));
  const back = await again.mount('a');
  t.is(fs.readFileSync(`${back}/file`, 'utf8'), 'data', 'the layer survives closing and reopening the pool');
  await again.unmount('a');
  await again.remove('a');
  t.false(again.exists('a'));
  t.deepEqual(again.list(), []);
});

test('a device cannot outgrow its size: filling it gives ENOSPC, and its sibling and the pool are unharmed', async (t) => {
  const root = scratchRoot(t);
  const driver = await openDriver(t, root, { 'devmapper.basesize': '32M' });
  await driver.create('base', undefined, { readonly: false });
  const base = await driver.mount('base');
  fs.writeFileSync(`${base}/keep`, Buffer.alloc(MiB, 'k'));
  await driver.unmount('base');
  await driver.create('full', 'base', { readonly: false });
  await driver.create('sibling', 'base', { readonly: false });
  const full = await driver.mount('full');
  const fd = fs.openSync(`${full}/filler`, 'w');
  let written = 0;
  const error = t.throws(() => {
    for (;;) written += fs.writeSync(fd, Buffer.alloc(MiB, 'f'));
  });
  fs.closeSync(fd);
  t.is(error !== undefined && 'code' in error ? error.code : undefined, 'ENOSPC', 'the device is full at its size');
  t.true(written < 32 * MiB && written > 16 * MiB, `about the device's size went in (${written} bytes)`);
  await driver.unmount('full');
  const sibling = await driver.mount('sibling');
  t.true(fs.readFileSync(`${sibling}/keep`).equals(Buffer.alloc(MiB, 'k')), 'the sibling still reads what the parent held');
  fs.writeFileSync(`${sibling}/more`, Buffer.alloc(4 * MiB, 'm'));
  t.is(fs.statSync(`${sibling}/more`).size, 4 * MiB, 'and still has room of its own');
  await driver.unmount('sibling');
  const pool = fs.statfsSync(`${root}/${HOME_DIR}/pool`);
  t.true(pool.bavail * pool.bsize > 1024 * MiB, 'the pool itself is far from full');
});

test('a creation interrupted by a dead process is rolled back on the next start', async (t) => {
  const root = scratchRoot(t);
  const driver = await openDriver(t, root);
  await driver.create('done', undefined, { readonly: false });
  await driver.create('half', 'done', { readonly: false });
  const image = `${root}/${HOME_DIR}/pool/images/half.img`;
  t.true(fs.existsSync(image));
  await driver.close();
  // What a process killed between beginCreate and finishCreate leaves: a creating row it owned.
  const db = new DatabaseSync(path.join(root, HOME_DIR, DEVICE_DB));
  const transaction = Number(db.prepare("SELECT value FROM pool WHERE key = 'transaction_id'").get()?.['value']) - 1;
  db.prepare("UPDATE pool SET value = ? WHERE key = 'transaction_id'").run(String(transaction));
  db.prepare("UPDATE devices SET state = 'creating', owner_pid = ? WHERE id = 'half'").run(deadPidNumber());
  db.close();

  const next = await openDriver(t, root);
  t.false(next.exists('half'));
  t.deepEqual(next.list(), ['done'], 'the half-made device is gone, image and all');
  t.false(fs.existsSync(image));
  t.true(next.exists('done'), 'a finished device is kept');
  const reopened = new DeviceStore(path.join(root, HOME_DIR, DEVICE_DB));
  t.teardown(() => reopened.close());
  t.is(reopened.transactionId(), transaction, 'the pool transaction id stays at the last finished create');
  t.is(reopened.get('done')?.state, 'active');
});

function deadPidNumber(): number {
  // A pid above pid_max is never alive.
  return Number(fs.readFileSync('/proc/sys/kernel/pid_max', 'utf8')) + 1;
}

/** Runs testing/hold-device.ts on `root` until it prints "ready", then SIGKILLs it. */
async function killedHolder(t: ExecutionContext, root: string, target?: string): Promise<void> {
  const child = spawn(process.execPath, [path.join(import.meta.dirname, 'testing', 'hold-device.ts'), root, ...(target === undefined ? [] : [target])], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => child.kill('SIGKILL'));
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.on('exit', (code) => reject(new FailedPreconditionError(`hold-device exited ${code}: ${err}`)));
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

test('a layerctl killed while it held a device leaves nothing attached', async (t) => {
  const root = scratchRoot(t);
  await killedHolder(t, root);
  t.true(await settled(() => loopsUnder(`${root}/${HOME_DIR}/pool/images`).length === 0), 'the activation died with the process (autoclear)');
  const driver = await openDriver(t, root);
  t.true(driver.exists('held'));
  await driver.remove('held');
  await driver.close();
  t.true(await settled(() => loopsUnder(root).length === 0));
});

test('a device a killed layerctl left mounted cannot be removed while mounted, and leaves nothing once unmounted and removed', async (t) => {
  const root = scratchRoot(t);
  const target = path.join(root, 'target');
  fs.mkdirSync(target);
  await killedHolder(t, root, target);
  t.true(isMountPoint(target), 'the mount outlives the process that made it');
  const driver = await openDriver(t, root);
  await t.throwsAsync(driver.remove('held'), { instanceOf: FailedPreconditionError, message: /still mounted at/ });
  unmountAll(target);
  await driver.remove('held');
  await driver.close();
  t.true(await settled(() => loopsUnder(root).length === 0), 'no device is left attached');
});

test('mounts() is data for a caller while the driver is open: the stable path mounts the device elsewhere', async (t) => {
  const root = scratchRoot(t);
  const driver = await openDriver(t, root);
  await driver.create('a', undefined, { readonly: false });
  const mounts = driver.mounts('a');
  t.deepEqual(mounts, [{ type: 'ext4', source: `${root}/${HOME_DIR}/dev/a`, options: ['noinit_itable'] }]);
  const target = path.join(root, 'elsewhere');
  fs.mkdirSync(target);
  mountAll(mounts, target);
  fs.writeFileSync(`${target}/x`, 'x');
  const own = await driver.mount('a');
  t.is(fs.readFileSync(`${own}/x`, 'utf8'), 'x', "the driver's own mount shows the same device");
  await driver.unmount('a');
  unmountAll(target);
});

// Serial: the namespace unshare(1) makes copies every mount of the moment, other tests' too.
test.serial('a snapshot holds what its parent wrote even when another mount namespace still holds the parent’s filesystem', async (t) => {
  const root = scratchRoot(t);
  const driver = await openDriver(t, root);
  await driver.create('parent', undefined, { readonly: false });
  const dir = await driver.mount('parent');
  fs.writeFileSync(`${dir}/written`, 'in the page cache only');
  // A process that unshares its mount namespace now (an executor, any container runtime) copies
  // this mount: our unmount then leaves the superblock alive, with the write not on the image.
  const holder = spawn('unshare', ['--mount', '--propagation', 'private', 'sleep', '60'], { stdio: 'ignore' });
  t.teardown(() => holder.kill('SIGKILL'));
  await sleep(300);
  await driver.unmount('parent');
  t.false(isMountPoint(dir));
  await driver.create('child', 'parent', { readonly: false });
  const child = await driver.mount('child');
  t.is(fs.readFileSync(`${child}/written`, 'utf8'), 'in the page cache only');
  await driver.unmount('child');
  holder.kill('SIGKILL');
  await new Promise((resolve) => holder.on('exit', resolve));
});
