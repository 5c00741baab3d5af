import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import * as api from '@layerctl/snapshotter';
import { FailedPreconditionError } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
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
  t.is((await chooseDriver(root, api, undefined)).name, 'overlay2');
  t.is((await chooseDriver(root, api, 'overlay2')).name, 'overlay2');
  await t.throwsAsync(chooseDriver(root, api, 'devmapper'), {
    instanceOf: FailedPreconditionError,
    message: /was made with driver overlay2; it cannot be used with --driver devmapper$/,
  });
});

test('choosing for a new root tries drivers in tmp/ only: the root holds no driver tree until one is opened', async (t) => {
  const root = scratchRoot(t);
  const driver = await chooseDriver(root, api, undefined);
  t.is(driver.name, 'overlay2');
  t.deepEqual(fs.readdirSync(root.tmpDir), []);
  t.false(fs.existsSync(path.join(root.dir, 'overlay2')));
  t.is(persistedDriver(root, api), undefined, 'choosing alone records nothing');
});
