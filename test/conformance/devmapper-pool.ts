import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import test from 'ava';
import { attachedLoops, attachLoop, detachLoop, MNT_DETACH, mount, SysError, umount2 } from '@layerctl/sys';
import { openRoot, openSnapshotter, TMP_DIR } from '@layerctl/snapshotter';
import { driverSuite, snapshotterSuite, type OpenDriver, type OpenSnapshotter } from '@layerctl/snapshotter/testsuite';
import { DevmapperDriver } from '@layerctl/drivers-devmapper';

/**
 * One extent-sharing filesystem per test file, loop-mounted in a tmpfs scratch dir: formatting
 * a pool per case would cost more than the cases. Each case gets its own directory in it (the
 * driver's devmapper.pool_dir) and removes it when done. The pool is unmounted (its autoclear
 * loop device goes with it) and the scratch dir removed after the last test, pass or fail.
 */
export function sharedPool(fsType: 'xfs' | 'btrfs', bytes: number): () => string {
  const scratch = fs.mkdtempSync('/dev/shm/layerctl-test-');
  const image = path.join(scratch, `${fsType}.img`);
  const mnt = path.join(scratch, 'pool');
  let mounted = false;
  let cases = 0;
  test.before(() => {
    fs.writeFileSync(image, '');
    fs.truncateSync(image, bytes);
    execFileSync(fsType === 'xfs' ? 'mkfs.xfs' : 'mkfs.btrfs', fsType === 'xfs' ? ['-q', '-f', '-m', 'reflink=1', image] : ['-q', '-f', image]);
    fs.mkdirSync(mnt);
    const loop = attachLoop(image, { autoclear: true, directIo: true });
    try {
      mount(loop.path, mnt, fsType, 0);
      mounted = true;
    } finally {
      fs.closeSync(loop.fd);
    }
  });
  test.after.always(() => {
    if (mounted) {
      // Devices a failed case left attached keep the pool busy; detached, they go with their
      // last user. A mount namespace another process copied meanwhile can still hold the pool:
      // then it leaves our namespace only (MNT_DETACH) and goes when that namespace does.
      for (const loop of attachedLoops()) if (loop.backingFile.startsWith(`${mnt}/`)) detachLoop(loop.number);
      try {
        umount2(mnt);
      } catch (err) {
        if (!(err instanceof SysError && err.code === 'EBUSY')) throw err;
        umount2(mnt, MNT_DETACH);
      }
    }
    fs.rmSync(scratch, { recursive: true, force: true });
  });
  return () => {
    const dir = path.join(mnt, `case-${process.pid}-${cases++}`);
    fs.mkdirSync(dir);
    return dir;
  };
}

const GiB = 1024 ** 3;

/** A devmapper driver (reflink backend) on `root` whose pool directory is removed when the driver closes. */
export function devmapperOnPool(root: string, poolDir: string, options: Record<string, string> = {}): DevmapperDriver {
  const driver = new DevmapperDriver({ root, tmpDir: path.join(root, TMP_DIR), options: { 'devmapper.backend': 'reflink', 'devmapper.pool_dir': poolDir, ...options } });
  const close = driver.close.bind(driver);
  driver.close = async () => {
    await close();
    fs.rmSync(poolDir, { recursive: true, force: true });
  };
  return driver;
}

/**
 * The whole conformance suite on devmapper's reflink backend (this host has no device-mapper)
 * over one pool of `poolFs` shared by the cases of the calling test file. One file per pool
 * filesystem, so ava runs the pools in separate processes.
 */
export function devmapperConformance(poolFs: 'xfs' | 'btrfs'): void {
  const nextPoolDir = sharedPool(poolFs, 64 * GiB);
  const openOn: OpenSnapshotter = async (dir) => {
    const root = openRoot(dir);
    const snapshotter = await openSnapshotter(root, devmapperOnPool(dir, nextPoolDir()));
    return {
      snapshotter,
      async close() {
        await snapshotter.close();
        root.close();
      },
    };
  };
  const driverOn: OpenDriver = async (root) => devmapperOnPool(root, nextPoolDir());
  snapshotterSuite(`devmapper (reflink, ${poolFs} pool)`, openOn);
  driverSuite(`devmapper (reflink, ${poolFs} pool)`, driverOn);
}
