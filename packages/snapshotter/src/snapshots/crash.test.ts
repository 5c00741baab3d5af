import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { FailedPreconditionError, NotFoundError } from '@layerctl/sys';
import type { Root } from '../root.ts';
import { collectSnapshotGarbage } from './garbage.ts';
import { pendingCount, scratchSnapshotter } from './testing/scratch-snapshotter.ts';

/**
 * Real crashes: another process runs a snapshotter operation on the same root, is SIGKILLed at the
 * worst moment (its driver stops inside create or remove and says so), and gc cleans up after it.
 */
const CRASHING_PROCESS = `
  const [rootUrl, snapshotterUrl, driverUrl, rootDir, op, key] = process.argv.slice(1);
  const { openRoot } = await import(rootUrl);
  const { openSnapshotter } = await import(snapshotterUrl);
  const { CopyDriver } = await import(driverUrl);
  class StoppingDriver extends CopyDriver {
    async create(id, parent, opts) {
      await super.create(id, parent, opts);
      if (op === 'prepare') await stop();
    }
    async remove(id) {
      if (op === 'remove') await stop();
      await super.remove(id);
    }
  }
  async function stop() {
    process.stdout.write('stopped\\n');
    await new Promise(() => setInterval(() => {}, 1000));
  }
  const root = openRoot(rootDir);
  const snapshotter = await openSnapshotter(root, new StoppingDriver(rootDir));
  await (op === 'prepare' ? snapshotter.prepare(key) : snapshotter.remove(key));
`;

const here = import.meta.dirname;

/** Runs `op` on `key` in another process, waits until its driver stops, and kills it. */
async function crashDuring(t: ExecutionContext, root: Root, op: 'prepare' | 'remove', key: string): Promise<void> {
  const urls = [path.join(here, '..', 'root.ts'), path.join(here, 'metadata-snapshotter.ts'), path.join(here, 'testing', 'copy-driver.ts')].map(
    (file) => pathToFileURL(file).href,
  );
  const child = spawn(process.execPath, ['--input-type=module', '-e', CRASHING_PROCESS, ...urls, root.dir, op, key], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  t.teardown(() => child.kill('SIGKILL'));
  for await (const line of createInterface({ input: child.stdout })) {
    if (line === 'stopped') break;
  }
  child.kill('SIGKILL');
  if ((await exited) !== 'SIGKILL') throw new FailedPreconditionError(`the ${op} process ended before it was killed`);
}


test('a process killed inside driver.create leaves no snapshot, and gc removes its layer', async (t) => {
  const { root, driver, snapshotter } = await scratchSnapshotter(t);
  await crashDuring(t, root, 'prepare', 'half-made');
  t.throws(() => snapshotter.stat('half-made'), { instanceOf: NotFoundError });
  const [leftover] = driver.list();
  t.is(driver.list().length, 1, 'the layer the dead process created');
  t.is(pendingCount(root), 1);
  t.deepEqual(await collectSnapshotGarbage(root, driver), { removedLayers: [leftover] });
  t.deepEqual(driver.list(), []);
  t.is(pendingCount(root), 0);
  await snapshotter.prepare('half-made');
  t.is(snapshotter.stat('half-made').kind, 'active', 'the key is free to use');
});

test('a process killed inside driver.remove has already removed the snapshot, and gc removes its layer', async (t) => {
  const { root, driver, snapshotter } = await scratchSnapshotter(t);
  await snapshotter.prepare('doomed');
  const [layer] = driver.list();
  await crashDuring(t, root, 'remove', 'doomed');
  t.throws(() => snapshotter.stat('doomed'), { instanceOf: NotFoundError });
  t.deepEqual(driver.list(), [layer]);
  t.deepEqual(await collectSnapshotGarbage(root, driver), { removedLayers: [layer] });
  t.deepEqual(driver.list(), []);
});
