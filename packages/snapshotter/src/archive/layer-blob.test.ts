import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import test from 'ava';
import { NotFoundError } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { ContentStore } from '../content/content-store.ts';
import { sha256Digest } from '../content/digest.ts';
import { chunked, collect } from '../testing/byte-streams.ts';
import { mixedData } from '../testing/generated-data.ts';
import { COMPRESSIONS, compressStream, decompressAuto, detectCompression } from './compression.ts';
import { writeLayerBlob } from './layer-blob.ts';

const MiB = 1024 * 1024;

function openStore(dir: string): ContentStore {
  return ContentStore.open(path.join(dir, 'content'), path.join(dir, 'tmp'));
}

// Serial and first (AVA runs serial tests before the others), so nothing else moves the rss.
// Most of the growth is zstd's own: a context with its workers' 8 MiB jobs (compression.ts).
test.serial('memory stays flat while a 256 MiB layer is written: rss grows by less than 160 MiB', async (t) => {
  const store = openStore(scratchDir(t));
  await writeLayerBlob(store, mixedData(8 * MiB), 'zstd');
  const before = process.memoryUsage().rss;
  let peak = before;
  async function* watched(): AsyncGenerator<Buffer> {
    for await (const chunk of mixedData(256 * MiB)) {
      peak = Math.max(peak, process.memoryUsage().rss);
      yield chunk;
    }
  }
  const blob = await writeLayerBlob(store, watched(), 'zstd');
  t.is(blob.uncompressedSize, 256 * MiB);
  const growth = peak - before;
  t.log(`peak rss growth ${(growth / MiB).toFixed(0)} MiB`);
  t.true(growth < 160 * MiB, `rss grew by ${(growth / MiB).toFixed(0)} MiB`);
});

for (const compression of COMPRESSIONS) {
  test(`${compression}: diffId is the sha256 of the tar, digest and size those of the stored blob`, async (t) => {
    const store = openStore(scratchDir(t));
    const tar = await collect(mixedData(4 * MiB + 123));
    const blob = await writeLayerBlob(store, chunked(tar, 64 * 1024), compression);
    const stored = fs.readFileSync(store.path(blob.digest));
    t.is(blob.diffId, sha256Digest(tar));
    t.is(blob.uncompressedSize, tar.length);
    t.is(blob.digest, sha256Digest(stored));
    t.is(blob.size, stored.length);
    t.is(blob.compression, compression);
    t.is(detectCompression(stored), compression);
    t.true((await collect(decompressAuto(store.read(blob.digest)))).equals(tar));
  });
}

test('a level can be given: level 1 and level 19 write different blobs of the same tar', async (t) => {
  const store = openStore(scratchDir(t));
  const tar = await collect(mixedData(2 * MiB));
  const fast = await writeLayerBlob(store, chunked(tar, 64 * 1024), 'zstd', { level: 1 });
  const small = await writeLayerBlob(store, chunked(tar, 64 * 1024), 'zstd', { level: 19 });
  t.is(fast.diffId, small.diffId);
  t.not(fast.digest, small.digest);
  t.true(small.size < fast.size);
});

test('a tar stream that fails leaves no blob and no temp file', async (t) => {
  const dir = scratchDir(t);
  const store = openStore(dir);
  async function* broken(): AsyncGenerator<Buffer> {
    yield* mixedData(3 * MiB);
    throw new NotFoundError('file vanished while packing');
  }
  await t.throwsAsync(writeLayerBlob(store, broken(), 'zstd'), { instanceOf: NotFoundError });
  t.deepEqual(store.list(), []);
  t.deepEqual(fs.readdirSync(path.join(dir, 'tmp')), []);
});

test('a zstd layer blob is byte for byte what compressStream writes of the same tar, however the tar is chunked', async (t) => {
  const store = openStore(scratchDir(t));
  const tar = await collect(mixedData(6 * MiB + 77));
  const streamed = await pipeline(Readable.from(chunked(tar, 1 << 20)), compressStream('zstd'), (s: AsyncIterable<Buffer>) => collect(s));
  for (const size of [4096, 300_000]) {
    const blob = await writeLayerBlob(store, chunked(tar, size), 'zstd');
    t.is(blob.digest, sha256Digest(streamed), `tar chunks of ${size} bytes`);
  }
});
