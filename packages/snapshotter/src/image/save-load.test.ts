import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { SysError } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { COMPRESSIONS, type Compression } from '../archive/compression.ts';
import { leasedBlobs } from '../metadata/leases.ts';
import { openRoot } from '../root.ts';
import { inspectImage, type ImageDetails } from './inspect-image.ts';
import { listImages, NONE } from './list-images.ts';
import { loadArchive } from './load-archive.ts';
import { saveImages, type ArchiveFormat } from './save-images.ts';
import { tagImage } from './tag-image.ts';
import { importTestImage, jsonOf, readArchiveFiles, scratchRoot, type Scratch } from './test-images.ts';

const FORMATS: ArchiveFormat[] = ['oci', 'docker'];

/** A second, empty root beside the first, to load into. */
function secondRoot(t: Parameters<typeof scratchRoot>[0]): Scratch['root'] {
  const root = openRoot(path.join(scratchDir(t), 'root'));
  t.teardown(() => root.close());
  return root;
}

function diffIds(details: ImageDetails): string[] {
  return details.layers.map((layer) => layer.diffId);
}

for (const format of FORMATS) {
  for (const compression of COMPRESSIONS) {
    test(`save --format ${format} --compression ${compression} then load gives the same image id and DiffIDs`, async (t) => {
      const scratch = scratchRoot(t);
      await importTestImage(scratch, 'app:1');
      const before = await inspectImage(scratch.root, 'app:1');
      const file = path.join(scratch.work, 'out.tar');
      await saveImages(scratch.root, ['app:1'], file, { format, compression });

      const target = secondRoot(t);
      t.deepEqual(await loadArchive(target, fs.createReadStream(file)), { loaded: ['app:1'] });
      const after = await inspectImage(target, 'app:1');
      t.is(after.id, before.id);
      t.deepEqual(after.config, before.config);
      t.deepEqual(diffIds(after), diffIds(before));
      t.deepEqual(after.layers.map((layer) => layer.compression), [compression]);
      // Stored as zstd: only a zstd save keeps the blob (and so the manifest) as it is.
      t.is(after.layers[0]?.digest === before.layers[0]?.digest, compression === 'zstd');
      t.deepEqual(leasedBlobs(target.metadata), new Set());
    });
  }
}

test('recompression on save changes blob digests and the manifest, never the DiffIDs', async (t) => {
  const scratch = scratchRoot(t);
  await importTestImage(scratch, 'app');
  const before = await inspectImage(scratch.root, 'app');
  const file = path.join(scratch.work, 'gzip.tar');
  await saveImages(scratch.root, ['app'], file, { format: 'oci', compression: 'gzip' });
  const files = await readArchiveFiles(file);
  const index = jsonOf(files, 'index.json');
  t.like(index, { manifests: [{ annotations: { 'io.containerd.image.name': 'docker.io/library/app:latest', 'org.opencontainers.image.ref.name': 'latest' } }] });

  const target = secondRoot(t);
  await loadArchive(target, fs.createReadStream(file));
  const after = await inspectImage(target, 'app');
  t.not(after.manifestDigest, before.manifestDigest);
  t.not(after.layers[0]?.digest, before.layers[0]?.digest);
  t.is(after.layers[0]?.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
  t.deepEqual(diffIds(after), diffIds(before));
  t.is(after.id, before.id);
});

test('an OCI save without a compression keeps the stored manifest byte for byte', async (t) => {
  const scratch = scratchRoot(t);
  const summary = await importTestImage(scratch, 'app');
  const file = path.join(scratch.work, 'same.tar');
  await saveImages(scratch.root, ['app'], file, { format: 'oci' });
  const target = secondRoot(t);
  await loadArchive(target, fs.createReadStream(file));
  t.is((await inspectImage(target, 'app')).manifestDigest, summary.manifestDigest);
});

test('a docker save is laid out as Docker 25 writes it, uncompressed by default', async (t) => {
  const scratch = scratchRoot(t);
  const summary = await importTestImage(scratch, 'busybox');
  tagImage(scratch.root, 'busybox', 'ghcr.io/me/box:2');
  const file = path.join(scratch.work, 'docker.tar');
  await saveImages(scratch.root, ['busybox', 'ghcr.io/me/box:2'], file, { format: 'docker' });
  const files = await readArchiveFiles(file);
  const details = await inspectImage(scratch.root, 'busybox');
  const manifest = jsonOf(files, 'manifest.json');
  t.deepEqual(manifest, [
    {
      Config: `blobs/sha256/${summary.id.slice(7)}`,
      RepoTags: ['busybox:latest', 'ghcr.io/me/box:2'],
      // Uncompressed, so the blob digest is the DiffID.
      Layers: details.layers.map((layer) => `blobs/sha256/${layer.diffId.slice(7)}`),
    },
  ]);
  t.deepEqual(jsonOf(files, 'oci-layout'), { imageLayoutVersion: '1.0.0' });
  t.true(files.has(`blobs/sha256/${details.layers[0]?.diffId.slice(7)}`));
});

test('several images and names survive a round trip, and loading again changes nothing', async (t) => {
  const scratch = scratchRoot(t);
  await importTestImage(scratch, 'one');
  await importTestImage(scratch, 'two:v2');
  tagImage(scratch.root, 'one', 'one-alias');
  for (const format of FORMATS) {
    const file = path.join(scratch.work, `${format}.tar`);
    await saveImages(scratch.root, ['one', 'two:v2', 'one-alias'], file, { format });
    const target = secondRoot(t);
    const { loaded } = await loadArchive(target, fs.createReadStream(file));
    t.deepEqual(loaded.sort(), ['one-alias:latest', 'one:latest', 'two:v2']);
    const listed = (await listImages(target)).map((image) => `${image.name}:${image.tag}`).sort();
    await loadArchive(target, fs.createReadStream(file));
    t.deepEqual((await listImages(target)).map((image) => `${image.name}:${image.tag}`).sort(), listed);
  }
});

test('an image saved by id loads without a name, as a dangling image', async (t) => {
  const scratch = scratchRoot(t);
  const summary = await importTestImage(scratch, 'app');
  const file = path.join(scratch.work, 'by-id.tar');
  await saveImages(scratch.root, [summary.id], file, { format: 'oci' });
  const target = secondRoot(t);
  t.deepEqual(await loadArchive(target, fs.createReadStream(file)), { loaded: [summary.id] });
  t.like((await listImages(target))[0], { name: NONE, tag: NONE, id: summary.id });
});

test('save writes to a stream as well as to a file, and leaves no partial file when it fails', async (t) => {
  const scratch = scratchRoot(t);
  await importTestImage(scratch, 'app');
  const file = path.join(scratch.work, 'stream.tar');
  await saveImages(scratch.root, ['app'], fs.createWriteStream(file), { format: 'oci' });
  const target = secondRoot(t);
  t.deepEqual(await loadArchive(target, fs.createReadStream(file)), { loaded: ['app:latest'] });
  await t.throwsAsync(saveImages(scratch.root, ['missing'], path.join(scratch.work, 'none.tar'), { format: 'oci' }));
  t.deepEqual(fs.readdirSync(scratch.work).filter((name) => name.startsWith('.') || name === 'none.tar'), []);
});

test('save to a path it cannot write fails with a SysError naming that path and leases nothing', async (t) => {
  const scratch = scratchRoot(t);
  await importTestImage(scratch, 'app');
  const file = path.join(scratch.work, 'missing', 'out.tar');
  const error = await t.throwsAsync(saveImages(scratch.root, ['app'], file, { format: 'oci' }), { instanceOf: SysError });
  t.is(error?.message, `save: cannot write ${file}: ENOENT (no such directory)`);
  t.deepEqual(leasedBlobs(scratch.root.metadata), new Set());
});

for (const compression of ['gzip', 'none'] satisfies Compression[]) {
  test(`an image stored ${compression} saves as zstd on request and loads back the same`, async (t) => {
    const scratch = scratchRoot(t);
    await importTestImage(scratch, 'app', 'app', { compression });
    const before = await inspectImage(scratch.root, 'app');
    const file = path.join(scratch.work, 'out.tar');
    await saveImages(scratch.root, ['app'], file, { format: 'docker', compression: 'zstd' });
    const target = secondRoot(t);
    await loadArchive(target, fs.createReadStream(file));
    const after = await inspectImage(target, 'app');
    t.deepEqual(diffIds(after), diffIds(before));
    t.is(after.layers[0]?.compression, 'zstd');
  });
}
