import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import test from 'ava';
import { tarHeader, writeTar } from '@layerctl/snapshotter';
import { busyboxTarForFile } from './busybox-tar.ts';
import { parseJson, records } from './json-output.ts';
import { runWithoutSysAdmin } from './run-layerctl.ts';
import { mountsUnder, must, snapshotScratch, type Layerctl } from './snapshot-scratch.ts';

const busyboxTar = busyboxTarForFile(test);


/** The fixture is one layer, so its ChainID is its DiffID: the sha256 of the tar. */
function busyboxChainId(): string {
  const hash = createHash('sha256');
  hash.update(fs.readFileSync(busyboxTar()));
  return `sha256:${hash.digest('hex')}`;
}

async function snapshots(layerctl: Layerctl): Promise<Record<string, unknown>[]> {
  return records(parseJson((await layerctl(['snapshot', 'ls', '--json'])).stdout));
}

test('import unpacks the layer into a committed snapshot named by its ChainID, and rmi removes it again', async (t) => {
  const { layerctl } = snapshotScratch(t);
  const chainId = busyboxChainId();
  const id = (await must(t, layerctl, ['import', busyboxTar(), 'busybox'])).trim();
  const [layer, ...more] = await snapshots(layerctl);
  t.deepEqual(more, []);
  t.like(layer, { name: chainId, parent: null, kind: 'committed', labels: { 'layerctl.io/diff-id': chainId } });
  t.regex(await must(t, layerctl, ['snapshot', 'ls']), new RegExp(`^KEY +PARENT +KIND\\n${chainId} +Committed\\n$`));

  const removed = await must(t, layerctl, ['rmi', 'busybox']);
  t.true(removed.startsWith(`Untagged: busybox:latest\nDeleted: ${id}\n`), removed);
  t.true(removed.endsWith(`Deleted: ${chainId}\n`), removed);
  t.deepEqual(await snapshots(layerctl), []);
});

test('a layer is unpacked once: a second image of the same layer shares it, and it goes only with the last image', async (t) => {
  const { layerctl } = snapshotScratch(t);
  const chainId = busyboxChainId();
  await must(t, layerctl, ['import', busyboxTar(), 'one']);
  await must(t, layerctl, ['import', busyboxTar(), 'two', '--compression', 'gzip']);
  t.deepEqual((await snapshots(layerctl)).map((info) => info['name']), [chainId]);
  await must(t, layerctl, ['rmi', 'one']);
  t.deepEqual((await snapshots(layerctl)).map((info) => info['name']), [chainId]);
  await must(t, layerctl, ['rmi', 'two']);
  t.deepEqual(await snapshots(layerctl), []);
});

test('a loaded image is unpacked too, and a view of its layer mounts the busybox tree', async (t) => {
  const first = snapshotScratch(t);
  const second = snapshotScratch(t);
  const chainId = busyboxChainId();
  await must(t, first.layerctl, ['import', busyboxTar(), 'busybox']);
  const archive = path.join(first.dir, 'busybox.tar');
  await must(t, first.layerctl, ['save', 'busybox', '-o', archive]);
  t.is(await must(t, second.layerctl, ['load', '-i', archive]), 'Loaded image: busybox:latest\n');
  t.like((await snapshots(second.layerctl))[0], { name: chainId, kind: 'committed' });

  await must(t, second.layerctl, ['snapshot', 'view', 'look', chainId]);
  const at = path.join(second.dir, 'at');
  fs.mkdirSync(at);
  await must(t, second.layerctl, ['snapshot', 'mount', 'look', at]);
  try {
    t.true(fs.statSync(path.join(at, 'bin', 'busybox')).isFile());
    t.is(fs.readlinkSync(path.join(at, 'bin', 'sh')), 'busybox');
  } finally {
    await must(t, second.layerctl, ['snapshot', 'unmount', at]);
  }
  t.deepEqual(mountsUnder(second.dir), []);
  const refused = await second.layerctl(['snapshot', 'rm', chainId]);
  t.is(refused.code, 1, 'the view stands on the layer');
});

test('gc removes a driver layer no snapshot names and keeps the layers images use', async (t) => {
  const { root, layerctl } = snapshotScratch(t);
  const chainId = busyboxChainId();
  await must(t, layerctl, ['import', busyboxTar(), 'busybox']);
  // What a crash between the driver's create and the metadata insert leaves: a layer dir no row names.
  const orphan = (name: string) => {
    fs.mkdirSync(path.join(root, 'overlay2', name, 'diff'), { recursive: true });
    return path.join(root, 'overlay2', name);
  };
  const first = orphan('orphan-layer');
  const report = parseJson(await must(t, layerctl, ['gc', '--json']));
  t.like(report, { removedBlobs: 0, removedSnapshots: [], removedLayers: ['orphan-layer'] });
  t.false(fs.existsSync(first));
  const second = orphan('another-orphan');
  t.is(await must(t, layerctl, ['gc']), 'removed 0 blobs, freed 0B\nremoved 0 layer snapshots no image uses and 1 driver layers no snapshot names\n');
  t.false(fs.existsSync(second));
  t.deepEqual((await snapshots(layerctl)).map((info) => info['name']), [chainId]);
  t.is(await must(t, layerctl, ['gc']), 'removed 0 blobs, freed 0B\n');
});

test('without CAP_SYS_ADMIN, import fails before recording anything, with one line giving what stops each driver', async (t) => {
  const { root, layerctl } = snapshotScratch(t);
  const denied = runWithoutSysAdmin(['--root', root, 'import', busyboxTar(), 'busybox']);
  t.is(denied.code, 1, denied.stderr);
  t.regex(denied.stderr, /^layerctl: no storage driver works on this host \(overlay2: overlayfs does not mount here \([^\n]*\bmount \/[^\n]*: EPERM[^\n]*; aufs: [^\n]*fuse-overlayfs does not mount here[^\n]*; devmapper needs CAP_SYS_ADMIN[^\n]*\)\n$/);
  t.notRegex(denied.stderr, /umount2/, 'the probe unmounts only what it mounted, so no umount2 error hides the mount error');
  t.notRegex(denied.stderr, /SysError/, 'errors are quoted by message, not with their class name');
  t.deepEqual(records(parseJson(await must(t, layerctl, ['images', '--json']))), []);
  t.deepEqual(fs.readdirSync(path.join(root, 'tmp')), [], 'the driver probe left nothing behind');
});

test('an import whose layer cannot be unpacked fails with one line naming the entry, says the image is stored, and rmi removes it', async (t) => {
  const { dir, layerctl } = snapshotScratch(t);
  // A layer that climbs out of its root: it is stored byte for byte, and refused when applied.
  const tar = path.join(dir, 'climbs-out.tar');
  await pipeline(writeTar([{ header: tarHeader({ name: '../escaped', type: 'file', mode: 0o644, size: 1 }), body: Buffer.from('x') }]), fs.createWriteStream(tar));
  const result = await layerctl(['import', tar, 'climber']);
  t.is(result.code, 1);
  t.regex(result.stderr, /^layerctl: [^\n]*"\.\.\/escaped"[^\n]*\(image climber is stored but its layers are not unpacked; layerctl rmi climber removes it\)\n$/);
  t.deepEqual(fs.readdirSync(dir, { recursive: true }).filter((entry) => path.basename(String(entry)) === 'escaped'), [], 'nothing was written outside the layer');
  t.deepEqual(await snapshots(layerctl), []);
  await must(t, layerctl, ['rmi', 'climber']);
  t.deepEqual(records(parseJson(await must(t, layerctl, ['images', '--json']))), []);
});

