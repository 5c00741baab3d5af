import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import test from 'ava';
import { InvalidArgumentError, NotFoundError } from '@layerctl/sys';
import { chunked, collect } from '../testing/byte-streams.ts';
import { mixedData } from '../testing/generated-data.ts';
import { type Compression, COMPRESSIONS, compressStream, decompressAuto, decompressStream, detectCompression, zstdCompressStream } from './compression.ts';

const MiB = 1024 * 1024;

async function compress(c: Compression, data: AsyncIterable<Buffer> | Buffer[], level?: number): Promise<Buffer> {
  return pipeline(Readable.from(data), compressStream(c, level), (s: AsyncIterable<Buffer>) => collect(s));
}

async function decompress(c: Compression, data: Buffer): Promise<Buffer> {
  return pipeline(Readable.from(chunked(data, 64 * 1024)), decompressStream(c), (s: AsyncIterable<Buffer>) => collect(s));
}

async function* zeros(total: number): AsyncGenerator<Buffer> {
  const block = Buffer.alloc(MiB);
  for (let done = 0; done < total; done += MiB) yield block;
}

const sample = await collect(mixedData(6 * MiB));

for (const c of COMPRESSIONS) {
  test(`${c} round trips through compressStream and decompressStream`, async (t) => {
    const packed = await compress(c, chunked(sample, 64 * 1024));
    if (c !== 'none') t.true(packed.length < sample.length * 0.8, 'the text half compresses');
    t.true((await decompress(c, packed)).equals(sample));
  });

  test(`decompressAuto recognises ${c} and round trips it`, async (t) => {
    const packed = await compress(c, chunked(sample, 64 * 1024));
    t.is(detectCompression(packed.subarray(0, 4)), c);
    t.true((await collect(decompressAuto(chunked(packed, 1000)))).equals(sample));
  });
}

test('detectCompression goes by the magic number', (t) => {
  t.is(detectCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x04])), 'zstd');
  t.is(detectCompression(Buffer.from([0x1f, 0x8b, 0x08])), 'gzip');
  t.is(detectCompression(Buffer.from('bin/\0\0\0\0')), 'none');
  t.is(detectCompression(Buffer.from([0x28, 0xb5, 0x2f])), 'none', 'too short to be zstd');
  t.is(detectCompression(Buffer.alloc(0)), 'none');
});

test('decompressAuto of an empty stream is empty', async (t) => {
  t.is((await collect(decompressAuto(chunked(Buffer.alloc(0), 1)))).length, 0);
});

test('decompressAuto peeks across chunks shorter than the magic number', async (t) => {
  const packed = await compress('zstd', [sample.subarray(0, MiB)]);
  async function* byteByByteHead(): AsyncGenerator<Buffer> {
    for (let i = 0; i < 6; i++) yield packed.subarray(i, i + 1);
    yield packed.subarray(6);
  }
  t.true((await collect(decompressAuto(byteByByteHead()))).equals(sample.subarray(0, MiB)));
});

// Serial, so that no concurrent test moves the rss this one measures (AVA runs serial tests first).
test.serial('a zstd bomb (1 GiB of zeros) is stopped by maxBytes with InvalidArgumentError naming the input', async (t) => {
  const bomb = await compress('zstd', zeros(1024 * MiB));
  t.true(bomb.length < MiB);
  const rssBefore = process.memoryUsage().rss;
  let seen = 0;
  const error = await t.throwsAsync(
    (async () => {
      for await (const chunk of decompressAuto(chunked(bomb, 64 * 1024), { maxBytes: 64 * MiB, what: 'layer sha256:feed' })) seen += chunk.length;
    })(),
    { instanceOf: InvalidArgumentError },
  );
  t.is(error?.message, 'layer sha256:feed: decompresses to more than 67108864 bytes');
  t.true(seen <= 64 * MiB);
  // Backpressure inside one input chunk: 64 KiB of this bomb expands to ~2 GiB if pushed at once.
  const growth = process.memoryUsage().rss - rssBefore;
  t.true(growth < 256 * MiB, `rss grew by ${growth >> 20} MiB`);
});

test('a gzip bomb is stopped by maxBytes too', async (t) => {
  const bomb = await compress('gzip', zeros(128 * MiB), 1);
  await t.throwsAsync(collect(decompressAuto(chunked(bomb, 64 * 1024), { maxBytes: 16 * MiB })), { instanceOf: InvalidArgumentError });
});

test('zstd decompression reads every frame of a multi-frame stream', async (t) => {
  const one = sample.subarray(0, MiB);
  const two = sample.subarray(MiB, 2 * MiB);
  const packed = Buffer.concat([await compress('zstd', [one]), await compress('zstd', [two])]);
  t.true((await decompress('zstd', packed)).equals(Buffer.concat([one, two])));
});

test('zstd decompression skips skippable frames between frames and refuses bytes after the last frame', async (t) => {
  const one = sample.subarray(0, MiB);
  const two = sample.subarray(MiB, 2 * MiB);
  const skippable = Buffer.concat([Buffer.from([0x5a, 0x2a, 0x4d, 0x18, 5, 0, 0, 0]), Buffer.from('hello')]);
  const packed = Buffer.concat([await compress('zstd', [one]), skippable, await compress('zstd', [two])]);
  t.true((await decompress('zstd', packed)).equals(Buffer.concat([one, two])));
  const trailing = Buffer.concat([packed, Buffer.from('trailing garbage')]);
  await t.throwsAsync(decompress('zstd', trailing), { instanceOf: InvalidArgumentError, message: /no frame magic number at byte offset/ });
});

test('zstd decompression keeps its output whole under backpressure, whatever the input chunking', async (t) => {
  for (const size of [7, 4096, 64 * 1024, 1024 * 1024]) {
    // 7-byte chunks cost a call each, so they get a smaller sample.
    const original = size === 7 ? sample.subarray(0, 300_000) : sample;
    const expected = createHash('sha256').update(original).digest('hex');
    const input = chunked(await compress('zstd', [original]), size);
    const hash = createHash('sha256');
    let out = 0;
    await pipeline(Readable.from(input), decompressStream('zstd'), async (s: AsyncIterable<Buffer>) => {
      for await (const chunk of s) {
        hash.update(chunk);
        out += chunk.length;
        // A slow reader: the decoder must wait for it rather than pile output up.
        if (out % (8 * MiB) < chunk.length) await new Promise((resolve) => setTimeout(resolve, 1));
      }
    });
    t.is(hash.digest('hex'), expected, `input chunks of ${size} bytes`);
  }
});

test('truncated or corrupt input fails with InvalidArgumentError naming the input', async (t) => {
  for (const c of ['zstd', 'gzip'] as const) {
    const packed = await compress(c, [sample.subarray(0, MiB)]);
    await t.throwsAsync(collect(decompressAuto(chunked(packed.subarray(0, packed.length - 10), 4096), { what: `layer.${c}` })), {
      instanceOf: InvalidArgumentError,
      message: new RegExp(`^layer\\.${c}: not valid ${c} data`),
    });
    const corrupt = Buffer.from(packed);
    corrupt.fill(0x55, 20, 2000);
    await t.throwsAsync(collect(decompressAuto(chunked(corrupt, 4096), { what: `layer.${c}` })), { instanceOf: InvalidArgumentError });
  }
});

test('a zstd decoder that fails between two input chunks fails the stream rather than waiting forever', async (t) => {
  const packed = await compress('zstd', [sample.subarray(0, MiB)]);
  const corrupt = Buffer.from(packed);
  corrupt.fill(0x55, 20, 4000);
  async function* slowly(): AsyncGenerator<Buffer> {
    for (let at = 0; at < corrupt.length; at += 8192) {
      yield corrupt.subarray(at, at + 8192);
      // Time for the thread pool to fail on what it was given before the next chunk comes.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  await t.throwsAsync(pipeline(Readable.from(slowly()), decompressStream('zstd'), (s: AsyncIterable<Buffer>) => collect(s)), {
    instanceOf: InvalidArgumentError,
    message: /^zstd stream: /,
  });
});

test("a failing source's own error comes through decompressAuto unchanged", async (t) => {
  const packed = await compress('zstd', [sample.subarray(0, MiB)]);
  async function* broken(): AsyncGenerator<Buffer> {
    yield packed.subarray(0, 1000);
    throw new NotFoundError('registry went away');
  }
  await t.throwsAsync(collect(decompressAuto(broken())), { instanceOf: NotFoundError, message: 'registry went away' });
});

test('zstd output bytes do not depend on the number of worker threads', async (t) => {
  const digests = new Set<string>();
  for (const workers of [1, 2, 4]) {
    const packed = await pipeline(Readable.from(chunked(sample, 64 * 1024)), zstdCompressStream(3, workers), (s: AsyncIterable<Buffer>) => collect(s));
    digests.add(createHash('sha256').update(packed).digest('hex'));
  }
  t.is(digests.size, 1);
});

test('gzip output is what zlib itself reads', async (t) => {
  const packed = await compress('gzip', [sample.subarray(0, MiB)]);
  t.true(zlib.gunzipSync(packed).equals(sample.subarray(0, MiB)));
});

test('a level out of range is refused with InvalidArgumentError', (t) => {
  t.throws(() => compressStream('zstd', 99), { instanceOf: InvalidArgumentError, message: /zstd compression level 99/ });
  t.throws(() => compressStream('zstd', 2.5), { instanceOf: InvalidArgumentError });
  t.throws(() => compressStream('gzip', 10), { instanceOf: InvalidArgumentError, message: /gzip compression level 10/ });
  t.notThrows(() => compressStream('gzip', 1).destroy());
  t.notThrows(() => compressStream('zstd', 1).destroy());
});
