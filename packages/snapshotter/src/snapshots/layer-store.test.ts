import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { DigestMismatchError, FailedPreconditionError, NotFoundError } from '@layerctl/sys';
import { sha256Digest, type Digest } from '../content/digest.ts';
import { readManifest } from '../image/image-documents.ts';
import { ImageStore } from '../image/image-store.ts';
import type { Root } from '../root.ts';
import { DIFF_ID_LABEL, releaseImageLayers, unpackImage, UNPACKING_PID_LABEL } from './layer-store.ts';
import type { MetadataSnapshotter } from './metadata-snapshotter.ts';
import { CopyDriver } from './testing/copy-driver.ts';
import { deadPid } from '../testing/dead-pid.ts';
import { storeTestImage, type TestLayer } from './testing/layered-image.ts';
import { scratchSnapshotter } from './testing/scratch-snapshotter.ts';
import { findSnapshot } from './snapshot-rows.ts';

const BASE: TestLayer = { 'a.txt': 'a', 'b.txt': 'b' };
const ON_BASE: TestLayer = { 'a.txt': null, 'c.txt': 'c' };
const OTHER: TestLayer = { 'd.txt': 'd' };

/** Offset of the compression method byte in a gzip header (RFC 1952 section 2.3.1). */
const GZIP_METHOD_OFFSET = 2;

/** The files a view of `parent` shows, by name. */
async function viewFiles(snapshotter: MetadataSnapshotter, parent: string): Promise<Record<string, string>> {
  const key = `view of ${parent}`;
  const [bind] = await snapshotter.view(key, parent);
  const files: Record<string, string> = {};
  for (const name of fs.readdirSync(bind?.source ?? '').sort()) files[name] = fs.readFileSync(path.join(bind?.source ?? '', name), 'utf8');
  await snapshotter.remove(key);
  return files;
}

function names(snapshotter: MetadataSnapshotter, ...filters: string[]): string[] {
  return snapshotter.walk(...filters).map((info) => info.name);
}

test('unpack applies each layer once, as a committed snapshot named by its ChainID on the one below', async (t) => {
  const { root, snapshotter } = await scratchSnapshotter(t);
  const image = await storeTestImage(root, 'docker.io/library/two:latest', [BASE, ON_BASE]);
  const [bottom, top] = image.chainIds;
  const result = await unpackImage(root, snapshotter, 'two');
  t.deepEqual(result, { chainId: top, applied: image.chainIds, reused: [] });
  t.like(snapshotter.stat(bottom ?? ''), { kind: 'committed', parent: undefined, labels: { [DIFF_ID_LABEL]: image.diffIds[0] } });
  t.like(snapshotter.stat(top ?? ''), { kind: 'committed', parent: bottom, labels: { [DIFF_ID_LABEL]: image.diffIds[1] } });
  t.deepEqual(await viewFiles(snapshotter, top ?? ''), { 'b.txt': 'b', 'c.txt': 'c' }, 'the whiteout removed a.txt of the layer below');
  t.deepEqual(names(snapshotter), [bottom, top].sort(), 'no temporary snapshot is left');
});

test('a layer already unpacked is reused by its ChainID, by the same image and by another sharing it', async (t) => {
  const { root, snapshotter, driver } = await scratchSnapshotter(t);
  const first = await storeTestImage(root, 'docker.io/library/first:latest', [BASE, ON_BASE]);
  const second = await storeTestImage(root, 'docker.io/library/second:latest', [BASE, OTHER]);
  await unpackImage(root, snapshotter, 'first');
  const layers = driver.list();
  t.deepEqual(await unpackImage(root, snapshotter, 'first'), { chainId: first.chainIds[1], applied: [], reused: first.chainIds });
  t.deepEqual(driver.list(), layers);
  const shared = await unpackImage(root, snapshotter, 'second');
  t.deepEqual(shared, { chainId: second.chainIds[1], applied: second.chainIds.slice(1), reused: second.chainIds.slice(0, 1) });
  t.is(second.chainIds[0], first.chainIds[0]);
  t.deepEqual(await viewFiles(snapshotter, second.chainIds[1] ?? ''), { 'a.txt': 'a', 'b.txt': 'b', 'd.txt': 'd' });
});

test('a layer whose tar does not match its DiffID is refused and nothing of it stays', async (t) => {
  const { root, snapshotter, driver } = await scratchSnapshotter(t);
  const lie = sha256Digest('not this layer');
  const image = await storeTestImage(root, 'docker.io/library/liar:latest', [BASE, ON_BASE], new Map([[1, lie]]));
  const error = await t.throwsAsync(unpackImage(root, snapshotter, 'liar'), { instanceOf: DigestMismatchError });
  t.regex(error?.message ?? '', new RegExp(`layer sha256:[0-9a-f]{64}: its tar \\(DiffID\\).*expected ${lie}`));
  t.deepEqual(names(snapshotter), [image.chainIds[0]], 'only the good layer below is committed');
  t.is(driver.list().length, 1, 'the refused layer left no driver layer');
});

/** A copy driver whose applyDiff waits until `parties` calls are inside it, so concurrent unpacks really race. */
class GatedDriver extends CopyDriver {
  parties = 2;
  readonly #waiting: Array<() => void> = [];

  override async applyDiff(id: string, parent: string | undefined, tar: AsyncIterable<Buffer>): Promise<number> {
    if (this.parties > 1) {
      this.parties--;
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      for (const release of this.#waiting.splice(0)) release();
    }
    return super.applyDiff(id, parent, tar);
  }
}

test('two unpacks of one chain race: both apply, the commit loser uses the winner and drops its copy', async (t) => {
  let gated: GatedDriver | undefined;
  const { root, snapshotter } = await scratchSnapshotter(t, (dir) => (gated = new GatedDriver(dir)));
  const image = await storeTestImage(root, 'docker.io/library/one:latest', [BASE]);
  const results = await Promise.all([unpackImage(root, snapshotter, 'one'), unpackImage(root, snapshotter, 'one')]);
  t.is(gated?.parties, 1, 'both unpacks were inside applyDiff at once');
  t.deepEqual(results.map((result) => result.chainId), [image.chainIds[0], image.chainIds[0]]);
  t.deepEqual(results.flatMap((result) => result.applied), image.chainIds, 'one applied it');
  t.deepEqual(results.flatMap((result) => result.reused), image.chainIds, 'the other reused it');
  t.deepEqual(names(snapshotter), image.chainIds);
  t.is(gated?.list().length, 1, "the loser's layer is gone");
});

function forget(root: Root, name: string): void {
  root.metadata.write((db) => ImageStore.remove(db, name));
}

test('release removes, top down, the layers no image reaches and no snapshot stands on', async (t) => {
  const { root, snapshotter, driver } = await scratchSnapshotter(t);
  const first = await storeTestImage(root, 'docker.io/library/first:latest', [BASE, ON_BASE]);
  const second = await storeTestImage(root, 'docker.io/library/second:latest', [BASE, OTHER]);
  await unpackImage(root, snapshotter, 'first');
  await unpackImage(root, snapshotter, 'second');
  await snapshotter.prepare('hand-made', undefined);
  await snapshotter.commit('by hand', 'hand-made');
  t.deepEqual(await releaseImageLayers(root, snapshotter), { removed: [] }, 'every layer is in use');
  forget(root, first.name);
  t.deepEqual(await releaseImageLayers(root, snapshotter), { removed: first.chainIds.slice(1) }, 'the shared base stays');
  await snapshotter.prepare('container', second.chainIds[1]);
  forget(root, second.name);
  t.deepEqual(await releaseImageLayers(root, snapshotter), { removed: [] }, 'a container keeps its layers');
  await snapshotter.remove('container');
  t.deepEqual(await releaseImageLayers(root, snapshotter), { removed: [...second.chainIds].reverse() });
  t.deepEqual(names(snapshotter), ['by hand'], 'a snapshot committed by hand is not a layer to release');
  t.is(driver.list().length, 1);
});

test('release removes the temporary snapshot of an unpack whose process died, and spares a live one', async (t) => {
  const { root, snapshotter } = await scratchSnapshotter(t);
  await snapshotter.prepare('unpack-dead', undefined, { labels: { [UNPACKING_PID_LABEL]: String(deadPid()) } });
  await snapshotter.prepare('unpack-live', undefined, { labels: { [UNPACKING_PID_LABEL]: String(process.pid) } });
  t.deepEqual(await releaseImageLayers(root, snapshotter), { removed: ['unpack-dead'] });
  t.deepEqual(names(snapshotter), ['unpack-live']);
});

test('an active snapshot squatting on a ChainID stops the unpack with FailedPrecondition naming it', async (t) => {
  const { root, snapshotter } = await scratchSnapshotter(t);
  const image = await storeTestImage(root, 'docker.io/library/one:latest', [BASE]);
  const chainId = image.chainIds[0] ?? '';
  await snapshotter.prepare(chainId);
  await t.throwsAsync(unpackImage(root, snapshotter, 'one'), { instanceOf: FailedPreconditionError, message: new RegExp(`snapshot ${chainId} is active`) });
  t.deepEqual(names(snapshotter), [chainId]);
});

test('a stored blob whose bytes changed on disk is refused, and nothing of it stays', async (t) => {
  const { root, snapshotter, driver } = await scratchSnapshotter(t);
  await storeTestImage(root, 'docker.io/library/one:latest', [BASE]);
  await storeTestImage(root, 'docker.io/library/other:latest', [OTHER]);
  const [blob, otherBlob] = await Promise.all(['one', 'other'].map(async (name) => root.content.path(await firstLayerDigest(root, name))));
  // Another valid layer in its place: it decompresses and applies, so only the digest check can catch it.
  fs.copyFileSync(otherBlob ?? '', blob ?? '');
  const error = await t.throwsAsync(unpackImage(root, snapshotter, 'one'), { instanceOf: DigestMismatchError });
  t.regex(error?.message ?? '', /^blob sha256:[0-9a-f]{64}: content does not match its digest/);
  t.deepEqual(names(snapshotter), []);
  t.deepEqual(driver.list(), []);
});

test('a stored blob damaged so that it no longer decompresses is refused as changed, not as bad gzip, and nothing of it stays', async (t) => {
  const { root, snapshotter, driver } = await scratchSnapshotter(t);
  await storeTestImage(root, 'docker.io/library/one:latest', [BASE]);
  const digest = await firstLayerDigest(root, 'one');
  const blob = root.content.path(digest);
  const bytes = fs.readFileSync(blob);
  // The gzip header's compression method (RFC 1952): decompression fails before the digest check at the end.
  bytes[GZIP_METHOD_OFFSET] = 7;
  fs.chmodSync(blob, 0o644);
  fs.writeFileSync(blob, bytes);
  const error = await t.throwsAsync(unpackImage(root, snapshotter, 'one'), { instanceOf: DigestMismatchError });
  t.true(error?.message.startsWith(`blob ${digest}: content does not match its digest`));
  t.deepEqual(names(snapshotter), []);
  t.deepEqual(driver.list(), []);
});

async function firstLayerDigest(root: Root, name: string): Promise<Digest> {
  const manifest = await readManifest(root.content, new ImageStore(root.metadata).resolve(name).record.manifestDigest);
  const layer = manifest.layers[0];
  if (layer === undefined) throw new NotFoundError(`image ${name} has no layers`);
  return layer.digest;
}

test('an image without layers unpacks to no ChainID', async (t) => {
  const { root, snapshotter } = await scratchSnapshotter(t);
  await storeTestImage(root, 'docker.io/library/empty:latest', []);
  t.deepEqual(await unpackImage(root, snapshotter, 'empty'), { chainId: undefined, applied: [], reused: [] });
});

/** A copy driver that runs `hook` once, inside the first create on top of `parent`. */
class HookedDriver extends CopyDriver {
  hook: { parent: string; run: () => Promise<void> } | undefined;

  override async create(id: string, parent: string | undefined, opts: { readonly: boolean }): Promise<void> {
    await super.create(id, parent, opts);
    const hook = this.hook;
    if (hook !== undefined && parent === hook.parent) {
      this.hook = undefined;
      await hook.run();
    }
  }
}

test('a layer released under a running unpack is unpacked again', async (t) => {
  let hooked: HookedDriver | undefined;
  const { root, snapshotter } = await scratchSnapshotter(t, (dir) => (hooked = new HookedDriver(dir)));
  const image = await storeTestImage(root, 'docker.io/library/two:latest', [BASE, ON_BASE]);
  const [bottom] = image.chainIds;
  await unpackImage(root, snapshotter, 'two');
  await snapshotter.remove(image.chainIds[1] ?? '');
  const bottomId = root.metadata.read((db) => findSnapshot(db, bottom ?? ''))?.driverId;
  if (hooked === undefined || bottomId === undefined) throw new NotFoundError('the bottom layer is not there');
  // Right while the top layer is being created on it, the bottom layer goes, as a concurrent release would do it.
  hooked.hook = { parent: bottomId, run: async () => void (await snapshotter.remove(bottom ?? '')) };
  t.deepEqual(await unpackImage(root, snapshotter, 'two'), { chainId: image.chainIds[1], applied: image.chainIds, reused: [] });
  t.deepEqual(names(snapshotter), [...image.chainIds].sort());
  t.is(hooked.list().length, 2, 'the layer made on the released one is gone');
});
