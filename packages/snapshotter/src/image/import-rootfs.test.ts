import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { InvalidArgumentError } from '@layerctl/sys';
import { COMPRESSIONS } from '../archive/compression.ts';
import { packTree } from '../archive/pack-tree.ts';
import { sha256Digest } from '../content/digest.ts';
import { leasedBlobs } from '../metadata/leases.ts';
import { collect } from '../testing/byte-streams.ts';
import { importRootfs } from './import-rootfs.ts';
import { inspectImage } from './inspect-image.ts';
import { listImages } from './list-images.ts';
import { hostPlatform } from './platform.ts';
import { makeTree, scratchRoot, treeTar } from './test-images.ts';

for (const input of COMPRESSIONS) {
  test(`a rootfs tar given ${input === 'none' ? 'plain' : `as ${input}`} becomes one layer whose DiffID is the sha256 of the tar`, async (t) => {
    const scratch = scratchRoot(t);
    const tree = makeTree(path.join(scratch.work, 'tree'), 'x');
    const tarBytes = await collect(packTree(tree));
    await importRootfs(scratch.root, treeTar(tree, input), 'base:1', { compression: 'gzip' });
    const details = await inspectImage(scratch.root, 'base:1');
    t.deepEqual(details.layers.map((layer) => [layer.diffId, layer.compression]), [[sha256Digest(tarBytes), 'gzip']]);
    t.is(details.config.architecture, hostPlatform().architecture);
    t.deepEqual(leasedBlobs(scratch.root.metadata), new Set(), 'the import released its lease');
  });
}

test('a file that is not a tar is refused, naming it, and no name is recorded', async (t) => {
  const scratch = scratchRoot(t);
  const file = path.join(scratch.work, 'notes.txt');
  fs.writeFileSync(file, 'hello, this is text and not a tar archive\n'.repeat(40));
  await t.throwsAsync(importRootfs(scratch.root, fs.createReadStream(file), 'x', { sourceName: file }), {
    instanceOf: InvalidArgumentError,
    message: new RegExp(`^${file}: not a tar archive: `),
  });
  t.deepEqual(await listImages(scratch.root), []);
  t.deepEqual(leasedBlobs(scratch.root.metadata), new Set());
});

test('a source that decompresses past the limit is refused as a bomb', async (t) => {
  const scratch = scratchRoot(t);
  const tree = makeTree(path.join(scratch.work, 'tree'), 'x');
  await t.throwsAsync(importRootfs(scratch.root, treeTar(tree, 'zstd'), 'x', { sourceName: 'bomb.tar.zst', maxUncompressedBytes: 10_000 }), {
    instanceOf: InvalidArgumentError,
    message: /^bomb\.tar\.zst: decompresses to more than 10000 bytes/,
  });
  t.deepEqual(await listImages(scratch.root), []);
});

test('a bad name is refused before anything is read', async (t) => {
  const scratch = scratchRoot(t);
  let read = false;
  async function* source(): AsyncGenerator<Buffer> {
    read = true;
    yield Buffer.alloc(0);
  }
  await t.throwsAsync(importRootfs(scratch.root, source(), 'UPPER'), { instanceOf: InvalidArgumentError });
  t.false(read);
});

test('importing the same tree twice gives the same image id for the same creation time', async (t) => {
  const scratch = scratchRoot(t);
  const tree = makeTree(path.join(scratch.work, 'tree'), 'same');
  const created = new Date('2020-01-01T00:00:00Z');
  const a = await importRootfs(scratch.root, treeTar(tree), 'a', { created });
  const b = await importRootfs(scratch.root, treeTar(tree), 'b', { created });
  t.is(a.id, b.id);
  t.is(a.manifestDigest, b.manifestDigest);
});
