import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { DigestMismatchError, InvalidArgumentError, NotSupportedError } from '@layerctl/sys';
import { parseDigest, sha256Digest } from '../content/digest.ts';
import { leasedBlobs } from '../metadata/leases.ts';
import { inspectImage } from './inspect-image.ts';
import { validateImageIndex } from './image-index.ts';
import { validateManifest } from './manifest.ts';
import { listImages } from './list-images.ts';
import { loadArchive } from './load-archive.ts';
import { saveImages, type ArchiveFormat } from './save-images.ts';
import { importTestImage, jsonOf, readArchiveFiles, scratchRoot, writeArchiveFiles, type Scratch } from './test-images.ts';

/**
 * Each case saves a good image, spoils one thing in the archive, and loads it into a fresh root:
 * the load must fail with a clear error and leave no name and no lease behind.
 */
type Files = Map<string, Buffer>;

interface Saved {
  scratch: Scratch;
  files: Files;
  layerDigest: string;
  manifestDigest: string;
  configDigest: string;
}

async function saved(t: ExecutionContext, format: ArchiveFormat): Promise<Saved> {
  const scratch = scratchRoot(t);
  const summary = await importTestImage(scratch, 'app');
  const details = await inspectImage(scratch.root, 'app');
  const file = path.join(scratch.work, 'good.tar');
  await saveImages(scratch.root, ['app'], file, { format, compression: 'gzip' });
  const files = await readArchiveFiles(file);
  // The archive's manifest and layer are new (recompressed to gzip); find them through the index.
  const index = validateImageIndex(jsonOf(files, 'index.json'), 'index.json');
  const manifestDigest = index.manifests[0]?.digest ?? '';
  const manifest = validateManifest(jsonOf(files, blob(manifestDigest)), 'manifest');
  t.is(details.id, summary.id);
  return { scratch, files, layerDigest: manifest.layers[0]?.digest ?? '', manifestDigest, configDigest: summary.id };
}

function blob(digest: string): string {
  return `blobs/sha256/${digest.slice(7)}`;
}

/** Stores a spoiled document as a blob of its own and returns its digest. */
function putJson(files: Files, document: unknown): string {
  const bytes = Buffer.from(JSON.stringify(document));
  const digest = sha256Digest(bytes);
  files.set(blob(digest), bytes);
  return digest;
}

async function loadSpoiled(t: ExecutionContext, { scratch, files }: Saved): Promise<unknown> {
  const file = path.join(scratch.work, 'spoiled.tar');
  await writeArchiveFiles(file, files);
  const { root } = scratchRoot(t);
  const error = await t.throwsAsync(loadArchive(root, fs.createReadStream(file), { what: 'spoiled.tar' }));
  t.deepEqual(await listImages(root), [], 'no name was recorded');
  t.deepEqual(leasedBlobs(root.metadata), new Set(), 'the lease was released');
  return error;
}

test('a blob whose bytes do not match its name is refused, naming the path', async (t) => {
  const good = await saved(t, 'oci');
  const bytes = Buffer.from(good.files.get(blob(good.layerDigest)) ?? Buffer.alloc(0));
  bytes.writeUInt8(bytes.readUInt8(bytes.length - 10) ^ 0xff, bytes.length - 10);
  good.files.set(blob(good.layerDigest), bytes);
  const err = await loadSpoiled(t, good);
  t.true(err instanceof DigestMismatchError);
  t.regex(String(err), new RegExp(`spoiled.tar: ${blob(good.layerDigest)}: content does not match its digest`));
});

test('a manifest naming a blob the archive lacks is refused', async (t) => {
  const good = await saved(t, 'oci');
  good.files.delete(blob(good.layerDigest));
  const err = await loadSpoiled(t, good);
  t.true(err instanceof InvalidArgumentError);
  t.regex(String(err), new RegExp(`spoiled.tar: layer ${good.layerDigest} is not in the archive`));
});

test('a layer with an unknown media type is refused by name', async (t) => {
  const good = await saved(t, 'oci');
  const manifest = jsonOf(good.files, blob(good.manifestDigest));
  const spoiled = JSON.parse(JSON.stringify(manifest).replace('application/vnd.oci.image.layer.v1.tar+gzip', 'application/vnd.example.layer+lz4'));
  const digest = putJson(good.files, spoiled);
  const index = JSON.parse((good.files.get('index.json') ?? Buffer.alloc(0)).toString().replaceAll(good.manifestDigest, digest).replace(/"size":\d+/, `"size":${JSON.stringify(spoiled).length}`));
  good.files.set('index.json', Buffer.from(JSON.stringify(index)));
  const err = await loadSpoiled(t, good);
  t.true(err instanceof InvalidArgumentError);
  t.regex(String(err), /^InvalidArgumentError: spoiled\.tar: manifest sha256:[0-9a-f]{64}: layers\[0\]\.mediaType: unknown layer media type "application\/vnd\.example\.layer\+lz4"/);
});

test('a manifest.json that is not JSON is refused', async (t) => {
  const good = await saved(t, 'docker');
  good.files.delete('index.json');
  good.files.set('manifest.json', Buffer.from('[{"Config": "blobs/sha256/'));
  const err = await loadSpoiled(t, good);
  t.true(err instanceof InvalidArgumentError);
  t.regex(String(err), /^InvalidArgumentError: spoiled\.tar: manifest\.json: not valid JSON/);
});

test('a config whose DiffIDs do not match the layers is refused', async (t) => {
  const good = await saved(t, 'docker');
  good.files.delete('index.json');
  const config = jsonOf(good.files, blob(good.configDigest));
  const wrong = `sha256:${'0'.repeat(64)}`;
  const spoiledConfig = JSON.parse(JSON.stringify(config).replace(/"diff_ids":\["sha256:[0-9a-f]{64}"\]/, `"diff_ids":["${wrong}"]`));
  const configDigest = putJson(good.files, spoiledConfig);
  const manifest = jsonOf(good.files, 'manifest.json');
  good.files.set('manifest.json', Buffer.from(JSON.stringify(manifest).replace(good.configDigest.slice(7), configDigest.slice(7))));
  const err = await loadSpoiled(t, good);
  t.true(err instanceof DigestMismatchError);
  t.regex(String(err), new RegExp(`layer ${good.layerDigest}: its uncompressed tar .*expected ${wrong}`));
});

test('an archive that is no image archive is refused, and so is one that is no tar', async (t) => {
  const good = await saved(t, 'oci');
  good.files.delete('index.json');
  t.true((await loadSpoiled(t, good)) instanceof InvalidArgumentError);

  const { root, work } = scratchRoot(t);
  const text = path.join(work, 'text.tar');
  fs.writeFileSync(text, 'this is not a tar archive at all, just some text long enough for a block\n'.repeat(10));
  await t.throwsAsync(loadArchive(root, fs.createReadStream(text), { what: 'text.tar' }), { instanceOf: InvalidArgumentError, message: /^text\.tar: / });
});

test('an index whose only image is for another platform is refused', async (t) => {
  const good = await saved(t, 'oci');
  const index = validateImageIndex(jsonOf(good.files, 'index.json'), 'index.json');
  const nested = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: index.manifests.map((entry) => ({ ...entry, annotations: undefined, platform: { os: 'plan9', architecture: 'mips' } })),
  };
  const digest = putJson(good.files, nested);
  const size = JSON.stringify(nested).length;
  good.files.set('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: nested.mediaType, digest, size }] })));
  t.true((await loadSpoiled(t, good)) instanceof NotSupportedError);
});

test('a layer the archive leaves out is checked in the store, and a stored blob damaged on disk is blamed by its digest', async (t) => {
  const good = await saved(t, 'oci');
  const layer = parseDigest(good.layerDigest, 'the saved layer');
  const full = path.join(good.scratch.work, 'full.tar');
  await writeArchiveFiles(full, good.files);
  const { root } = scratchRoot(t);
  await loadArchive(root, fs.createReadStream(full), { what: 'full.tar' });
  // Damage in the middle of the gzip stream breaks decompression long before the blob's end.
  const stored = root.content.path(layer);
  const fd = fs.openSync(stored, 'r+');
  const middle = fs.fstatSync(fd).size >> 1;
  const byte = Buffer.alloc(1);
  fs.readSync(fd, byte, 0, 1, middle);
  byte.writeUInt8(byte.readUInt8(0) ^ 0xff);
  fs.writeSync(fd, byte, 0, 1, middle);
  fs.closeSync(fd);
  good.files.delete(blob(good.layerDigest));
  const partial = path.join(good.scratch.work, 'partial.tar');
  await writeArchiveFiles(partial, good.files);
  const err = await t.throwsAsync(loadArchive(root, fs.createReadStream(partial), { what: 'partial.tar' }));
  t.true(err instanceof DigestMismatchError, String(err));
  t.regex(String(err), new RegExp(`blob ${layer}`));
});
