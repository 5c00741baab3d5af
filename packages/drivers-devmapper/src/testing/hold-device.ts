/**
 * Test helper run as a child process: opens the driver on argv[2] (a root) with its own pool,
 * makes layer `held`, activates it through mounts(), mounts it on argv[3] when given, prints
 * "ready" and waits to be killed: what a layerctl killed mid-command leaves behind.
 */
import path from 'node:path';
import { mountAll, TMP_DIR } from '@layerctl/snapshotter';
import { UsageError } from '@layerctl/sys';
import { DevmapperDriver } from '../driver.ts';

const [root, target] = process.argv.slice(2);
if (root === undefined) throw new UsageError('usage: hold-device.ts ROOT [TARGET]');
const driver = new DevmapperDriver({ root, tmpDir: path.join(root, TMP_DIR), options: { 'devmapper.backend': 'reflink', 'devmapper.pool_size': '2G', 'devmapper.basesize': '64M' } });
await driver.init();
await driver.create('held', undefined, { readonly: false });
const mounts = driver.mounts('held');
if (target !== undefined) mountAll(mounts, target);
process.stdout.write('ready\n');
setInterval(() => {}, 1000);
