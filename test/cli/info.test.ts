import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import test from 'ava';
import { busyboxTarForFile } from './busybox-tar.ts';
import { parseJson, records } from './json-output.ts';
import { runWithoutSysAdmin } from './run-layerctl.ts';
import { must, snapshotScratch } from './snapshot-scratch.ts';

const busyboxTar = busyboxTarForFile(test);

/** The lines overlay2's status() gives, by key, that info must show under the driver. */
const OVERLAY2_STATUS_KEYS = ['Backing Filesystem', 'Supports d_type', 'Native Overlay Diff', 'Layer limit', 'Mount API'];

test('info names overlay2 with its status lines, the root and what the store holds', async (t) => {
  const { root, layerctl } = snapshotScratch(t);
  const result = await layerctl(['info']);
  t.is(result.code, 0, result.stderr);
  t.is(result.stderr, '');
  const lines = result.stdout.split('\n');
  t.is(lines[0], 'Storage Driver: overlay2');
  for (const key of OVERLAY2_STATUS_KEYS) t.true(lines.some((line) => line.startsWith(` ${key}: `)), `status line ${key}`);
  t.true(lines.includes(' Backing Filesystem: tmpfs'), 'the scratch root is on tmpfs');
  t.true(lines.includes(`Root Dir: ${root}`));
  t.true(lines.includes('Content Store: 0 blobs, 0B'));
  t.true(lines.includes('Images: 0'));
  t.true(lines.includes('Snapshots: 0 (0 active, 0 views, 0 committed)'));
  t.true(lines.includes(' overlay2: in use by this root'));
  t.true(lines.includes(' aufs: works on this host'));
  t.true(lines.includes(' devmapper: works on this host'));
});

test('info --json parses: driver status as an object, counts, and every known driver with whether it works here', async (t) => {
  const { root, layerctl } = snapshotScratch(t);
  for (const args of [['prepare', 'work'], ['commit', 'base', 'work'], ['prepare', 'child', 'base'], ['view', 'v', 'base']]) {
    const made = await layerctl(['snapshot', ...args]);
    t.is(made.code, 0, made.stderr);
  }
  const result = await layerctl(['info', '--json']);
  t.is(result.code, 0, result.stderr);
  const info = parseJson(result.stdout);
  t.like(info, { root, images: 0, content: { blobs: 0, bytes: 0 }, snapshots: { total: 3, active: 1, view: 1, committed: 1 } });
  t.like(info, { driver: { name: 'overlay2', status: { 'Backing Filesystem': 'tmpfs' } } });
  const drivers = records(typeof info === 'object' && info !== null && 'drivers' in info ? info.drivers : undefined);
  t.deepEqual(
    drivers.map((driver) => [driver['name'], driver['available']]),
    [['overlay2', true], ['aufs', true], ['devmapper', true]],
  );
});

test('a root made with overlay2 refuses --driver aufs with one line, exit 1, in every command that opens it, and stays usable', async (t) => {
  const { root, layerctl } = snapshotScratch(t);
  const made = await layerctl(['snapshot', 'prepare', 'work']);
  t.is(made.code, 0, made.stderr);
  // Commands that open a driver and commands that read the store alone alike.
  const rootOnly = [['images'], ['inspect', 'busybox'], ['history', 'busybox'], ['tag', 'busybox', 'other'], ['save', '-o', path.join(root, 'x.tar'), 'busybox']];
  for (const args of [['info'], ['snapshot', 'ls'], ['gc'], ...rootOnly]) {
    const refused = await layerctl(['--driver', 'aufs', ...args]);
    t.is(refused.code, 1, args.join(' '));
    t.is(refused.stdout, '');
    t.is(refused.stderr, `layerctl: root ${root} was made with driver overlay2; it cannot be used with --driver aufs\n`);
  }
  const again = await layerctl(['--driver', 'overlay2', 'snapshot', 'stat', 'work']);
  t.is(again.code, 0, again.stderr);
});

test('a new root made with --driver devmapper serves snapshots on the reflink pool, and info says the dm-thin path is untested here', async (t) => {
  const { layerctl } = snapshotScratch(t);
  for (const args of [['prepare', 'work'], ['commit', 'base', 'work'], ['prepare', 'child', 'base']]) {
    const made = await layerctl(['--driver', 'devmapper', 'snapshot', ...args]);
    t.is(made.code, 0, made.stderr);
  }
  const shown = await layerctl(['info']);
  t.is(shown.code, 0, shown.stderr);
  const lines = shown.stdout.split('\n');
  t.is(lines[0], 'Storage Driver: devmapper', 'the root remembers its driver');
  t.true(lines.some((line) => /^ Backend: reflink /.test(line)), 'the reflink pool serves on this host');
  t.true(lines.some((line) => /^ dm-thin: .*untested against a real dm-thin pool on this host/.test(line)));
  t.true(lines.includes('Snapshots: 2 (1 active, 0 views, 1 committed)'));
  for (const key of ['child', 'base']) await must(t, layerctl, ['snapshot', 'rm', key]);
});

test('a new root made with --driver aufs serves snapshots through it, and info says the kernel aufs path is untested here', async (t) => {
  const { layerctl } = snapshotScratch(t);
  for (const args of [['prepare', 'work'], ['commit', 'base', 'work'], ['prepare', 'child', 'base']]) {
    const made = await layerctl(['--driver', 'aufs', 'snapshot', ...args]);
    t.is(made.code, 0, made.stderr);
  }
  const shown = await layerctl(['info']);
  t.is(shown.code, 0, shown.stderr);
  const lines = shown.stdout.split('\n');
  t.is(lines[0], 'Storage Driver: aufs', 'the root remembers its driver');
  t.true(lines.some((line) => /^ Mount path: fuse-overlayfs /.test(line)), 'the FUSE path is in use');
  t.true(lines.some((line) => /^ Kernel aufs: .*untested on this host/.test(line)));
  t.true(lines.includes('Snapshots: 2 (1 active, 0 views, 1 committed)'));
});

test('info still shows the root, its content and images when the root\'s driver does not initialise, with the driver\'s error as its status', async (t) => {
  const { root, layerctl } = snapshotScratch(t);
  await must(t, layerctl, ['import', busyboxTar(), 'busybox']);
  const info = runWithoutSysAdmin(['--root', root, 'info']);
  t.is(info.code, 0, info.stderr);
  t.is(info.stderr, '');
  const lines = info.stdout.split('\n');
  t.is(lines[0], 'Storage Driver: overlay2');
  t.regex(lines[1] ?? '', /^ Error: overlay2: overlayfs does not mount here \([^\n]*EPERM/);
  t.is(lines[2], `Root Dir: ${root}`);
  t.regex(lines[3] ?? '', /^Content Store: 3 blobs, [\d.]+[kM]B$/);
  t.is(lines[4], 'Images: 1');
  t.is(lines[5], 'Snapshots: unknown (counted through the driver, which does not work)');
  t.regex(info.stdout, /\nDrivers:\n overlay2: [^\n]*EPERM[^\n]*\n aufs: /);
  const json = runWithoutSysAdmin(['--root', root, 'info', '--json']);
  t.is(json.code, 0, json.stderr);
  t.like(parseJson(json.stdout), { driver: { name: 'overlay2' }, root, images: 1, content: { blobs: 3 }, snapshots: null });
});

test('a new root gets the first driver that works here, and trying drivers leaves nothing in tmp/', async (t) => {
  const { root, layerctl } = snapshotScratch(t);
  const result = await layerctl(['snapshot', 'ls']);
  t.is(result.code, 0, result.stderr);
  t.deepEqual(fs.readdirSync(path.join(root, 'tmp')), []);
  t.deepEqual(fs.readdirSync(root).filter((name) => !name.startsWith('metadata.db')).sort(), ['content', 'overlay2', 'tmp']);
  const info = parseJson((await layerctl(['info', '--json'])).stdout);
  t.like(info, { driver: { name: 'overlay2' } });
});

test('a root whose metadata names a driver this layerctl does not know fails with one line naming it', async (t) => {
  const { root, layerctl } = snapshotScratch(t);
  await must(t, layerctl, ['snapshot', 'ls']);
  const db = new DatabaseSync(path.join(root, 'metadata.db'));
  try {
    t.is(db.prepare("UPDATE settings SET value = 'zfs' WHERE key = 'driver'").run().changes, 1, 'the root recorded its driver');
  } finally {
    db.close();
  }
  const result = await layerctl(['snapshot', 'ls']);
  t.is(result.code, 1);
  t.regex(result.stderr, /^layerctl: [^\n]*settings\.driver[^\n]*"zfs"[^\n]*\n$/);
});

test('info counts an imported image once however many names it has, its blobs and bytes, and its layer snapshot', async (t) => {
  const { layerctl } = snapshotScratch(t);
  await must(t, layerctl, ['import', busyboxTar(), 'busybox']);
  await must(t, layerctl, ['tag', 'busybox', 'another:name']);
  const info = parseJson(await must(t, layerctl, ['info', '--json']));
  // An imported image is three blobs: the layer, the config and the manifest.
  t.like(info, { images: 1, content: { blobs: 3 }, snapshots: { total: 1, committed: 1 } });
  const bytes = typeof info === 'object' && info !== null && 'content' in info && typeof info.content === 'object' && info.content !== null && 'bytes' in info.content ? info.content.bytes : undefined;
  t.true(typeof bytes === 'number' && bytes > 0, String(bytes));
  const text = await must(t, layerctl, ['info']);
  t.regex(text, /\nContent Store: 3 blobs, [\d.]+[kM]B\nImages: 1\nSnapshots: 1 \(0 active, 0 views, 1 committed\)\n/);
});
