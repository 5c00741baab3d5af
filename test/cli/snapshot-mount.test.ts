import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import test, { type ExecutionContext } from 'ava';
import { unmountAll } from '@layerctl/snapshotter';
import { parseJson } from './json-output.ts';
import { mountsUnder, must, snapshotScratch } from './snapshot-scratch.ts';


/** A fresh directory under the scratch dir to mount on. */
function target(dir: string, name: string): string {
  const made = path.join(dir, name);
  fs.mkdirSync(made);
  return made;
}

/** Mounts `key` on a fresh target, hands it to `use`, and unmounts it with the CLI; checks nothing stays mounted. */
async function mounted(t: ExecutionContext, scratch: ReturnType<typeof snapshotScratch>, key: string, use: (dir: string) => void): Promise<void> {
  const { dir, layerctl } = scratch;
  const at = target(dir, `at-${key}`);
  await must(t, layerctl, ['snapshot', 'mount', key, at]);
  t.deepEqual(mountsUnder(dir), [at], 'snapshot mount made one mount, on the target');
  try {
    use(at);
  } finally {
    await must(t, layerctl, ['snapshot', 'unmount', at]);
  }
  t.deepEqual(mountsUnder(dir), [], 'snapshot unmount took everything off');
}

test('what is written through the mount of an active snapshot is in the committed snapshot, and unmount leaves no mount', async (t) => {
  const scratch = snapshotScratch(t);
  const { layerctl } = scratch;
  await must(t, layerctl, ['snapshot', 'prepare', 'work']);
  await mounted(t, scratch, 'work', (at) => {
    fs.mkdirSync(path.join(at, 'etc'));
    fs.writeFileSync(path.join(at, 'etc', 'motd'), 'hello from a snapshot\n');
  });
  await must(t, layerctl, ['snapshot', 'commit', 'base', 'work']);
  await must(t, layerctl, ['snapshot', 'view', 'look', 'base']);
  await mounted(t, scratch, 'look', (at) => {
    t.is(fs.readFileSync(path.join(at, 'etc', 'motd'), 'utf8'), 'hello from a snapshot\n');
  });
});

test('a child sees its parent files, and what it deletes or adds shows in a view of it, not in the parent', async (t) => {
  const scratch = snapshotScratch(t);
  const { layerctl } = scratch;
  await must(t, layerctl, ['snapshot', 'prepare', 'base-work']);
  await mounted(t, scratch, 'base-work', (at) => {
    fs.writeFileSync(path.join(at, 'kept'), 'kept');
    fs.writeFileSync(path.join(at, 'deleted'), 'deleted');
  });
  await must(t, layerctl, ['snapshot', 'commit', 'base', 'base-work']);
  await must(t, layerctl, ['snapshot', 'prepare', 'child-work', 'base']);
  await mounted(t, scratch, 'child-work', (at) => {
    t.deepEqual(fs.readdirSync(at).sort(), ['deleted', 'kept']);
    fs.rmSync(path.join(at, 'deleted'));
    fs.writeFileSync(path.join(at, 'added'), 'added');
  });
  await must(t, layerctl, ['snapshot', 'commit', 'child', 'child-work']);
  await must(t, layerctl, ['snapshot', 'view', 'child-view', 'child']);
  await mounted(t, scratch, 'child-view', (at) => t.deepEqual(fs.readdirSync(at).sort(), ['added', 'kept']));
  await must(t, layerctl, ['snapshot', 'view', 'base-view', 'base']);
  await mounted(t, scratch, 'base-view', (at) => t.deepEqual(fs.readdirSync(at).sort(), ['deleted', 'kept']));
});

test('a view mounts read-only: a write there fails with EROFS', async (t) => {
  const scratch = snapshotScratch(t);
  const { layerctl } = scratch;
  await must(t, layerctl, ['snapshot', 'prepare', 'work']);
  await must(t, layerctl, ['snapshot', 'commit', 'base', 'work']);
  await must(t, layerctl, ['snapshot', 'prepare', 'child-work', 'base']);
  await must(t, layerctl, ['snapshot', 'commit', 'child', 'child-work']);
  for (const parent of ['base', 'child']) {
    await must(t, layerctl, ['snapshot', 'view', `${parent}-view`, parent]);
    await mounted(t, scratch, `${parent}-view`, (at) => {
      t.throws(() => fs.writeFileSync(path.join(at, 'new-file'), 'x'), { code: 'EROFS' }, `view of ${parent}`);
    });
  }
});

test('usage counts what a snapshot holds on its own, not its parent', async (t) => {
  const scratch = snapshotScratch(t);
  const { layerctl } = scratch;
  const MIB = 1024 * 1024;
  await must(t, layerctl, ['snapshot', 'prepare', 'work']);
  await mounted(t, scratch, 'work', (at) => fs.writeFileSync(path.join(at, 'big'), Buffer.alloc(MIB, 1)));
  await must(t, layerctl, ['snapshot', 'commit', 'base', 'work']);
  await must(t, layerctl, ['snapshot', 'prepare', 'child', 'base']);

  const base = parseJson(await must(t, layerctl, ['snapshot', 'usage', 'base', '--json']));
  const child = parseJson(await must(t, layerctl, ['snapshot', 'usage', 'child', '--json']));
  t.like(base, { key: 'base' });
  const size = (usage: unknown) => (typeof usage === 'object' && usage !== null && 'size' in usage ? Number(usage.size) : NaN);
  t.true(size(base) >= MIB, JSON.stringify(base));
  t.true(size(child) < MIB, JSON.stringify(child));

  const text = await must(t, layerctl, ['snapshot', 'usage', 'base']);
  t.regex(text, /^KEY +SIZE +INODES\nbase +1\.0\dMB +\d+\n$/);
});

test('unmount of a directory that is no mount point is refused with exit 1 and one line, and touches nothing', async (t) => {
  const { dir, layerctl } = snapshotScratch(t);
  const plain = target(dir, 'plain');
  const result = await layerctl(['snapshot', 'unmount', plain]);
  t.is(result.code, 1);
  t.is(result.stderr, `layerctl: ${plain} is not a mount point; nothing to unmount\n`);
});

test('mount onto a target that does not exist fails with one line naming it, and mounts nothing', async (t) => {
  const { dir, layerctl } = snapshotScratch(t);
  await must(t, layerctl, ['snapshot', 'prepare', 'work']);
  const missing = path.join(dir, 'missing');
  const result = await layerctl(['snapshot', 'mount', 'work', missing]);
  t.is(result.code, 1);
  t.regex(result.stderr, new RegExp(`^layerctl: [^\\n]*${missing}[^\\n]*\\n$`));
  t.deepEqual(mountsUnder(dir), []);
});

test('mount of a committed snapshot is refused: it has no mounts, only views and active snapshots do', async (t) => {
  const { dir, layerctl } = snapshotScratch(t);
  await must(t, layerctl, ['snapshot', 'prepare', 'work']);
  await must(t, layerctl, ['snapshot', 'commit', 'base', 'work']);
  const result = await layerctl(['snapshot', 'mount', 'base', target(dir, 'at')]);
  t.is(result.code, 1);
  t.regex(result.stderr, /^layerctl: [^\n]*base[^\n]*\n$/);
  t.deepEqual(mountsUnder(dir), []);
});

test('rm refuses a snapshot that snapshot mount put on a directory, naming the target, until snapshot unmount', async (t) => {
  const { dir, layerctl } = snapshotScratch(t);
  await must(t, layerctl, ['snapshot', 'prepare', 'work']);
  const at = target(dir, 'at');
  await must(t, layerctl, ['snapshot', 'mount', 'work', at]);
  fs.writeFileSync(path.join(at, 'kept'), 'still here');
  const refused = await layerctl(['snapshot', 'rm', 'work']);
  t.is(refused.code, 1);
  t.is(refused.stderr, `layerctl: snapshot work is mounted at ${at}; layerctl snapshot unmount ${at} first\n`);
  t.is(fs.readFileSync(path.join(at, 'kept'), 'utf8'), 'still here', 'the layer was left alone under the mount');
  await must(t, layerctl, ['snapshot', 'stat', 'work']);
  await must(t, layerctl, ['snapshot', 'unmount', at]);
  await must(t, layerctl, ['snapshot', 'rm', 'work']);
  t.deepEqual(recordedMounts(dir), [], 'unmount forgot the mount');
});

test('a mount recorded through a symlinked target is refused by its real path', async (t) => {
  const { dir, layerctl } = snapshotScratch(t);
  await must(t, layerctl, ['snapshot', 'prepare', 'work']);
  const at = target(dir, 'real');
  fs.symlinkSync(at, path.join(dir, 'link'));
  await must(t, layerctl, ['snapshot', 'mount', 'work', path.join(dir, 'link')]);
  t.deepEqual(mountsUnder(dir), [at]);
  t.is((await layerctl(['snapshot', 'rm', 'work'])).stderr, `layerctl: snapshot work is mounted at ${at}; layerctl snapshot unmount ${at} first\n`);
  await must(t, layerctl, ['snapshot', 'unmount', path.join(dir, 'link')]);
  t.deepEqual(recordedMounts(dir), []);
  await must(t, layerctl, ['snapshot', 'rm', 'work']);
});

test('a recorded mount taken off by hand is stale: rm drops its record and removes the snapshot', async (t) => {
  const { dir, layerctl } = snapshotScratch(t);
  await must(t, layerctl, ['snapshot', 'prepare', 'work']);
  await must(t, layerctl, ['snapshot', 'prepare', 'other']);
  const at = target(dir, 'at');
  await must(t, layerctl, ['snapshot', 'mount', 'work', at]);
  unmountAll(at);
  const still = target(dir, 'still');
  await must(t, layerctl, ['snapshot', 'mount', 'other', still]);
  t.deepEqual(recordedMounts(dir), [['other', still], ['work', at]]);
  await must(t, layerctl, ['snapshot', 'rm', 'work']);
  t.deepEqual(recordedMounts(dir), [['other', still]], 'only the stale record went');
  await must(t, layerctl, ['snapshot', 'unmount', still]);
});

/** The (key, target) rows snapshot mount recorded in the root of a snapshotScratch dir. */
function recordedMounts(dir: string): string[][] {
  const db = new DatabaseSync(path.join(dir, 'root', 'metadata.db'), { readOnly: true });
  try {
    return db
      .prepare('SELECT key, target FROM snapshot_mounts ORDER BY key, target')
      .all()
      .map((row) => [String(row['key']), String(row['target'])]);
  } finally {
    db.close();
  }
}
