import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import test from 'ava';
import { DigestMismatchError, InvalidArgumentError } from '@layerctl/sys';
import { ContentStore } from '../content/content-store.ts';
import type { Digest } from '../content/digest.ts';
import { chunked, collect } from '../testing/byte-streams.ts';
import { mixedData } from '../testing/generated-data.ts';
import { applyLayer } from './apply-layer.ts';
import { chunkReturner } from './chunk-return.ts';
import { compressStream, decompressAuto } from './compression.ts';
import { tarHeader, writeTar } from './tar/index.ts';

const MiB = 1024 * 1024;
const sample = await collect(mixedData(6 * MiB));
/** A skippable frame (RFC 8878 section 3.1.2): magic 0x184D2A5A, 5 bytes of user data. */
const SKIPPABLE = Buffer.concat([Buffer.from([0x5a, 0x2a, 0x4d, 0x18, 5, 0, 0, 0]), Buffer.from('hello')]);

async function zstd(data: Buffer | AsyncIterable<Buffer>): Promise<Buffer> {
  return pipeline(Readable.from(Buffer.isBuffer(data) ? [data] : data), compressStream('zstd'), (s: AsyncIterable<Buffer>) => collect(s));
}

function scratchStore(t: { teardown(fn: () => void): void }): ContentStore {
  const dir = fs.mkdtempSync('/dev/shm/layerctl-test-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return ContentStore.open(path.join(dir, 'content'), path.join(dir, 'tmp'));
}

async function store(content: ContentStore, blob: Buffer): Promise<Digest> {
  return (await content.ingest(chunked(blob, 64 * 1024))).digest;
}

/** Puts other bytes under a blob's name, as a disk fault or a careless hand would. */
function replaceBlob(content: ContentStore, digest: Digest, bytes: Buffer): void {
  const file = content.path(digest);
  fs.chmodSync(file, 0o644);
  fs.writeFileSync(file, bytes);
}

function openFds(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

test('a stored zstd blob is decoded off the store stream, which is never read, with every frame and no skippable one', async (t) => {
  const content = scratchStore(t);
  const one = sample.subarray(0, 2 * MiB);
  const two = sample.subarray(2 * MiB);
  const digest = await store(content, Buffer.concat([await zstd(one), SKIPPABLE, await zstd(two)]));
  const blob = content.read(digest);
  const tar = decompressAuto(blob, { what: `layer ${digest}` });
  t.true((await collect(tar)).equals(sample));
  t.false(blob.readableDidRead, 'the worker read the blob file itself');
  t.true(blob.destroyed, 'and let go of the store stream');
});

test('a stored zstd blob with bytes after its last frame is refused as not valid zstd, naming the layer', async (t) => {
  const content = scratchStore(t);
  const digest = await store(content, Buffer.concat([await zstd(sample), Buffer.from('trailing garbage')]));
  await t.throwsAsync(collect(decompressAuto(content.read(digest), { what: `layer ${digest}` })), {
    instanceOf: InvalidArgumentError,
    message: new RegExp(`^layer ${digest}: not valid zstd data: `),
  });
});

test('a stored zstd blob cut inside a frame is refused as truncated', async (t) => {
  const content = scratchStore(t);
  const packed = await zstd(sample);
  const digest = await store(content, packed.subarray(0, packed.length - 100));
  await t.throwsAsync(collect(decompressAuto(content.read(digest), { what: 'layer x' })), {
    instanceOf: InvalidArgumentError,
    message: 'layer x: not valid zstd data: input ends inside a frame (truncated)',
  });
});

test('a stored blob that still decodes but no longer matches its digest fails with DigestMismatchError naming it', async (t) => {
  const content = scratchStore(t);
  const digest = await store(content, await zstd(sample.subarray(0, MiB)));
  replaceBlob(content, digest, await zstd(sample.subarray(MiB, 2 * MiB)));
  const error = await t.throwsAsync(collect(decompressAuto(content.read(digest))), { instanceOf: DigestMismatchError });
  t.true(error?.message.startsWith(`blob ${digest}: content does not match its digest`));
});

// Serial, so that no concurrent test moves the rss this one measures (AVA runs serial tests first).
test.serial('a stored zstd bomb is stopped by maxBytes while the worker waits for the reader', async (t) => {
  const content = scratchStore(t);
  async function* zeros(): AsyncGenerator<Buffer> {
    const block = Buffer.alloc(MiB);
    for (let i = 0; i < 1024; i++) yield block;
  }
  const digest = await store(content, await zstd(zeros()));
  const rssBefore = process.memoryUsage().rss;
  let seen = 0;
  const read = async (): Promise<void> => {
    for await (const chunk of decompressAuto(content.read(digest), { maxBytes: 64 * MiB, what: 'layer bomb' })) seen += chunk.length;
  };
  await t.throwsAsync(read(), { instanceOf: InvalidArgumentError, message: 'layer bomb: decompresses to more than 67108864 bytes' });
  t.true(seen <= 64 * MiB);
  // The worker decodes only a few chunks ahead of the reader, never the whole GiB.
  const growth = process.memoryUsage().rss - rssBefore;
  t.true(growth < 128 * MiB, `rss grew by ${growth >> 20} MiB`);
});

// Serial: it counts the process's open files, which concurrent tests would move.
test.serial('a reader that stops early ends the worker and closes the blob file', async (t) => {
  const content = scratchStore(t);
  const digest = await store(content, await zstd(sample));
  const before = openFds();
  const tar = decompressAuto(content.read(digest));
  for await (const chunk of tar) {
    t.true(chunk.length > 0);
    break;
  }
  // The fd is closed once the worker has exited, just after the stream closes.
  for (let wait = 0; wait < 100 && openFds() > before; wait++) await new Promise((resolve) => setTimeout(resolve, 10));
  t.is(openFds(), before);
});

test('a store stream already read from is decompressed as any other stream', async (t) => {
  const content = scratchStore(t);
  const digest = await store(content, await zstd(sample));
  const blob = content.read(digest);
  const first: Buffer = await new Promise((resolve) => blob.once('readable', () => resolve(blob.read(4))));
  blob.unshift(first);
  t.true((await collect(decompressAuto(blob))).equals(sample));
});

test('a layer applied from a stored zstd blob is exact while the worker decodes into the chunks applyLayer hands back', async (t) => {
  const content = scratchStore(t);
  const target = fs.mkdtempSync('/dev/shm/layerctl-test-');
  t.teardown(() => fs.rmSync(target, { recursive: true, force: true }));
  // 24 MiB: many times the worker's read-ahead, so most chunks are decoded into returned ones.
  const files = Array.from({ length: 48 }, (_, i) => ({ name: `f${i}`, body: sample.subarray((i * 131_071) % MiB, (i * 131_071) % MiB + MiB / 2 + i) }));
  const tar = writeTar(files.map(({ name, body }) => ({ header: tarHeader({ name, type: 'file', mode: 0o644, size: body.length }), body })));
  const digest = await store(content, await zstd(tar));
  const stream = decompressAuto(content.read(digest), { what: `layer ${digest}` });
  t.is(typeof chunkReturner(stream), 'function', 'the stream takes chunks back');
  await applyLayer(target, stream);
  for (const { name, body } of files) t.true(fs.readFileSync(path.join(target, name)).equals(body), name);
});
