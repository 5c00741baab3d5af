import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import * as api from '@layerctl/snapshotter';
import { FailedPreconditionError, NotSupportedError, UsageError } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { parseStorageOpts, persistedOptions } from './driver-options.ts';
import { chooseDriver, makeDriver, persistDriver, persistedDriver } from './drivers.ts';

function scratchRoot(t: ExecutionContext): api.Root {
  const root = api.openRoot(path.join(scratchDir(t), 'root'));
  t.teardown(() => root.close());
  return root;
}

test('a root keeps the first driver recorded in it; recording another is refused, naming both', (t) => {
  const root = scratchRoot(t);
  t.is(persistedDriver(root, api), undefined);
  persistDriver(root, 'overlay2');
  persistDriver(root, 'overlay2');
  t.is(persistedDriver(root, api), 'overlay2');
  const refused = t.throws(() => persistDriver(root, 'aufs'), { instanceOf: FailedPreconditionError });
  t.is(refused?.message, `root ${root.dir} was made with driver overlay2; it cannot be used with --driver aufs`);
  t.is(persistedDriver(root, api), 'overlay2');
});

test('the recorded driver serves the root without --driver, and a different --driver is refused', async (t) => {
  const root = scratchRoot(t);
  persistDriver(root, 'overlay2');
  t.is((await chooseDriver(root, api, undefined)).driver.name, 'overlay2');
  t.is((await chooseDriver(root, api, 'overlay2')).driver.name, 'overlay2');
  await t.throwsAsync(chooseDriver(root, api, 'devmapper'), {
    instanceOf: FailedPreconditionError,
    message: /was made with driver overlay2; it cannot be used with --driver devmapper$/,
  });
});

test('choosing for a new root tries drivers in tmp/ only: the root holds no driver tree until one is opened', async (t) => {
  const root = scratchRoot(t);
  const { driver } = await chooseDriver(root, api, undefined);
  t.is(driver.name, 'overlay2');
  t.deepEqual(fs.readdirSync(root.tmpDir), []);
  t.false(fs.existsSync(path.join(root.dir, 'overlay2')));
  t.is(persistedDriver(root, api), undefined, 'choosing alone records nothing');
});

test('--storage-opt items become the driver options; a malformed or contradictory item is refused, naming it', (t) => {
  t.is(parseStorageOpts([]), undefined);
  t.deepEqual(parseStorageOpts(['overlay2.mount_api=legacy', 'devmapper.basesize=1G=x', 'a=']), {
    'overlay2.mount_api': 'legacy',
    'devmapper.basesize': '1G=x',
    a: '',
  });
  t.throws(() => parseStorageOpts(['overlay2.mount_api']), { instanceOf: UsageError, message: /--storage-opt "overlay2.mount_api": expected KEY=VALUE/ });
  t.throws(() => parseStorageOpts(['=legacy']), { instanceOf: UsageError, message: /"=legacy"/ });
  t.throws(() => parseStorageOpts(['a=1', 'a=2']), { instanceOf: UsageError, message: /--storage-opt a is given twice, as "1" and "2"/ });
  t.deepEqual(parseStorageOpts(['a=1', 'a=1']), { a: '1' });
});

test('a root keeps the options it was made with: later commands get them without --storage-opt, and other options are refused', async (t) => {
  const root = scratchRoot(t);
  const made = await chooseDriver(root, api, undefined, { 'overlay2.mount_api': 'legacy' });
  t.is(made.driver.name, 'overlay2');
  persistDriver(root, made.driver.name, made.options);
  t.deepEqual(persistedOptions(root, api), { 'overlay2.mount_api': 'legacy' });
  t.deepEqual((await chooseDriver(root, api, undefined)).options, { 'overlay2.mount_api': 'legacy' });
  t.deepEqual((await chooseDriver(root, api, undefined, { 'overlay2.mount_api': 'legacy' })).options, { 'overlay2.mount_api': 'legacy' });
  await t.throwsAsync(chooseDriver(root, api, undefined, { 'overlay2.mount_api': 'new' }), {
    instanceOf: FailedPreconditionError,
    message: `root ${root.dir} was made with --storage-opt overlay2.mount_api=legacy; it cannot be used with --storage-opt overlay2.mount_api=new`,
  });
  t.throws(() => persistDriver(root, 'overlay2', {}), { instanceOf: FailedPreconditionError, message: /it cannot be used with no --storage-opt$/ });
});

test('a root made before options were recorded has none, and takes none', async (t) => {
  const root = scratchRoot(t);
  root.metadata.write((db) => db.prepare("INSERT INTO settings (key, value) VALUES ('driver', 'overlay2')").run());
  t.is(persistedOptions(root, api), undefined);
  t.deepEqual((await chooseDriver(root, api, undefined)).options, {});
  await t.throwsAsync(chooseDriver(root, api, undefined, { 'overlay2.diff': 'naive' }), { message: /was made with no --storage-opt; it cannot be used with --storage-opt overlay2.diff=naive$/ });
});

test('options of one driver choose that driver for a new root: the others refuse keys they do not know', async (t) => {
  const root = scratchRoot(t);
  const chosen = await chooseDriver(root, api, undefined, { 'aufs.mount': 'fuse' });
  t.is(chosen.driver.name, 'aufs');
  await t.throwsAsync(chooseDriver(root, api, undefined, { 'nosuch.option': '1' }), { instanceOf: NotSupportedError, message: /no storage driver works on this host \(.*nosuch\.option/ });
});
