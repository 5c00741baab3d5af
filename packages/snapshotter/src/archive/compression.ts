/**
 * Layer compression: zstd for the layers we write, gzip on request for older consumers, none;
 * all three accepted on input.
 *
 * zstd compression runs on zstd-napi, not on Node 24's zlib.createZstdCompress. Measured on this
 * machine (2 CPUs, Node 24.21, 200 MiB of alternating 1 MiB pieces of word text and random bytes,
 * read from tmpfs in 64 KiB chunks, sha256 of input and output taken in the same pass, 3 runs):
 *
 *   level  zstd-napi         zstd-napi nbWorkers=2  zlib (16 KiB chunks)  zlib (1 MiB chunks)   ratio
 *   1      253-296 MiB/s     290-365 MiB/s          154-173 MiB/s         238-252 MiB/s         0.737
 *   3      197-216 MiB/s     212-280 MiB/s          128-136 MiB/s         140-170 MiB/s         0.668
 *   (zstd 1.5.4 CLI, same file: `zstd -1 -T0 | sha256sum` 312 MiB/s, `zstd -3 -T0 | sha256sum` 247 MiB/s)
 *
 * zstd-napi is faster at either level, and its worker threads (which zlib's zstd cannot use: it
 * failed with nbWorkers=2 at level 3) keep up with the zstd CLI at the same level while the main
 * thread hashes and writes. Worker mode also makes the output independent of the machine: zstd
 * gives the same bytes for any nbWorkers >= 1 (checked for 1, 2 and 4), but other bytes for 0, so
 * we always use at least one worker and reproducible builds get the same blob digests everywhere.
 *
 * Job size 8 MiB, what zstd itself picks at level 3 (4x its 2 MiB window; the CLI of the
 * bench's baseline uses it). Session 1 chose 2 MiB to save memory (+76 MiB of rss with 2 workers
 * against +119 MiB); since packs reuse their read buffers (read-buffer-pool.ts), a 1 GiB pack
 * peaks at 151-154 MB with 8 MiB jobs (107 MB with 2 MiB; each further worker adds about two
 * jobs' worth). Small jobs made the main thread hand over and wait for a job four times as often,
 * which a loaded machine punishes: pack -3 of 1 GiB at load 5-8 took 12.2-13.8 s with 2 MiB jobs,
 * 5.6-8.9 s with 8 MiB (4 MiB: 6.0-10.5 s; `tar | zstd -3 -T0 | sha256sum` 5.3-7.8 s), and blobs
 * are 2% smaller. A fixed job size also pins the output bytes against changes of zstd's defaults
 * (another size gives other bytes).
 *
 * Level 3 for layers: it is zstd's own default and what containerd, buildkit and podman write, and
 * on the text half of the sample it compresses to 0.34 against 0.47 at level 1 (28% smaller) for
 * about 25% less speed. Callers that want speed over size pass a level.
 *
 * zstd decompression: node:zlib's decoder, which runs on the thread pool and so overlaps the
 * reader's work, given one frame at a time (zstd-decompress-stream.ts says why). Alone, both
 * decoders have the same speed: 430-600 MiB/s for zstd-napi, 490-620 MiB/s for zlib. A blob
 * of the content store (the layers we unpack) is read and decoded on a worker thread instead,
 * and hashed on a second one (blob-decode-worker.ts, blob-hash-worker.ts): on 256 MiB, main-thread
 * CPU 0.85-0.93 s -> 0.65-0.73 s.
 * gzip: node:zlib, level 6 as gzip(1) and Docker use.
 */
import fs from 'node:fs';
import os from 'node:os';
import { PassThrough, pipeline, Readable, type Transform } from 'node:stream';
import zlib from 'node:zlib';
import { InvalidArgumentError, wrapNodeError } from '@layerctl/sys';
import { unreadStoredBlob } from '../content/content-store.ts';
import { errorCode } from '../error-code.ts';
import { errorMessage } from '../error-message.ts';
import { decodeBlobInWorker } from './blob-decode-worker.ts';
import { chunkReturner, RETURN_CHUNK } from './chunk-return.ts';
import { peekHead } from './stream-head.ts';
import { type CompressedSink, ZstdCompressor, type ZstdSettings } from './zstd-compressor.ts';
import { ZstdDecompressStream } from './zstd-decompress-stream.ts';
import { zstdBinding, zstdStreams } from './zstd-napi.ts';

export type Compression = 'zstd' | 'gzip' | 'none';

export const COMPRESSIONS: readonly Compression[] = ['zstd', 'gzip', 'none'];

/** zstd level for new layers (see the measurements above). */
export const ZSTD_LAYER_LEVEL = 3;
/** gzip level when gzip is asked for: gzip(1)'s and Docker's default. */
export const GZIP_LAYER_LEVEL = 6;

/** Frame magic numbers (RFC 8878 section 3.1.1, RFC 1952 section 2.3.1). */
export const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
export const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

/** More zstd workers than this do not pay for a single layer stream and cost a job buffer each. */
const MAX_ZSTD_WORKERS = 4;

/** Bytes of input per zstd worker job (see the measurements above). */
const ZSTD_JOB_SIZE = 8 * 1024 * 1024;

/** zlib's 16 KiB default output chunk halves gzip throughput; 256 KiB is past the knee. */
const ZLIB_CHUNK = 256 * 1024;

export function compressStream(c: Compression, level?: number): Transform {
  switch (c) {
    case 'zstd':
      return zstdCompressStream(level ?? ZSTD_LAYER_LEVEL, defaultZstdWorkers());
    case 'gzip':
      return zlib.createGzip({ level: checkLevel('gzip', level ?? GZIP_LAYER_LEVEL, zlib.constants.Z_MIN_LEVEL, zlib.constants.Z_MAX_LEVEL), chunkSize: ZLIB_CHUNK });
    case 'none':
      return new PassThrough();
  }
}

/** zstd with an explicit worker count; exported so the tests can show the output does not depend on it. */
export function zstdCompressStream(level: number, workers: number): Transform {
  return new (zstdStreams().CompressStream)(zstdSettings(level, workers));
}

/** zstd for a caller that takes the compressed bytes synchronously (zstd-compressor.ts); the same bytes as compressStream('zstd', level). */
export function zstdCompressor(sink: CompressedSink, level: number = ZSTD_LAYER_LEVEL, workers: number = defaultZstdWorkers()): ZstdCompressor {
  return new ZstdCompressor(zstdSettings(level, workers), sink);
}

function zstdSettings(level: number, workers: number): ZstdSettings {
  const binding = zstdBinding();
  const compressionLevel = checkLevel('zstd', level, binding.minCLevel(), binding.maxCLevel());
  return { compressionLevel, nbWorkers: Math.max(1, workers), jobSize: ZSTD_JOB_SIZE };
}

export function decompressStream(c: Compression): Transform {
  switch (c) {
    case 'zstd':
      return new ZstdDecompressStream();
    case 'gzip':
      return zlib.createGunzip({ chunkSize: ZLIB_CHUNK });
    case 'none':
      return new PassThrough();
  }
}

/** Judges by the magic number; anything else (a tar starts with a file name) is uncompressed. */
export function detectCompression(head: Buffer): Compression {
  if (startsWith(head, ZSTD_MAGIC)) return 'zstd';
  if (startsWith(head, GZIP_MAGIC)) return 'gzip';
  return 'none';
}

export interface DecompressOptions {
  /** Fail with InvalidArgumentError once the output passes this many bytes (decompression bombs). */
  maxBytes?: number;
  /** Names the input in errors, e.g. "layer sha256:ab12…"; default "compressed stream". */
  what?: string;
}

/**
 * Peeks at the first bytes to pick the decompressor, then streams everything through it.
 * A zstd blob straight from ContentStore.read(), not read yet, is read, checked and decoded on
 * worker threads instead (blob-decode-worker.ts): the same bytes and errors, off the main thread.
 */
export function decompressAuto(source: AsyncIterable<Buffer>, options: DecompressOptions = {}): Readable {
  const what = options.what ?? 'compressed stream';
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  const decoded = decodeStoredZstdBlob(source, what);
  if (decoded !== undefined) {
    // Chunks pass through unchanged, so the worker's stream can take them back (chunk-return.ts).
    const giveBack = chunkReturner(decoded);
    return Object.assign(Readable.from(cappedChunks(decoded, what, maxBytes), { objectMode: false }), { [RETURN_CHUNK]: giveBack ?? (() => {}) });
  }
  return Readable.from(decompressedChunks(source, what, maxBytes), { objectMode: false });
}

/** The worker's decoded stream for an unread zstd blob of the content store; undefined for anything else. */
function decodeStoredZstdBlob(source: AsyncIterable<Buffer>, what: string): Readable | undefined {
  const blob = unreadStoredBlob(source);
  if (blob === undefined) return undefined;
  let fd: number;
  try {
    fd = fs.openSync(blob.path, 'r');
  } catch (error) {
    // Gone since read() opened it: the stream, which holds it open, reads it as before.
    if (errorCode(error) === 'ENOENT') return undefined;
    throw wrapNodeError(error, blob.path);
  }
  const head = Buffer.alloc(ZSTD_MAGIC.length);
  const headLength = fs.readSync(fd, head, 0, head.length, 0);
  if (detectCompression(head.subarray(0, headLength)) !== 'zstd') {
    fs.closeSync(fd);
    return undefined;
  }
  // The worker reads the blob itself; the store's stream, never read, lets go of its file.
  if (source instanceof Readable) source.destroy();
  return decodeBlobInWorker(fd, blob.digest, what);
}

/** The worker's chunks, stopped once they pass maxBytes; its errors already name the blob. */
async function* cappedChunks(decoded: Readable, what: string, maxBytes: number): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of decoded) {
    total += chunk.length;
    if (total > maxBytes) throw new InvalidArgumentError(`${what}: decompresses to more than ${maxBytes} bytes`);
    yield chunk;
  }
}

async function* decompressedChunks(source: AsyncIterable<Buffer>, what: string, maxBytes: number): AsyncGenerator<Buffer> {
  const input = await peekHead(source, ZSTD_MAGIC.length);
  const compression = detectCompression(input.head);
  const decompressor = decompressStream(compression);
  // pipeline ties the lifetimes: when the loop below stops early, destroying the decompressor
  // also ends input.stream, which returns the source iterator.
  pipeline(Readable.from(input.stream, { objectMode: false }), decompressor, (error) => {
    if (error !== null && error !== undefined) decompressor.destroy(error);
  });
  let total = 0;
  try {
    for await (const chunk of decompressor) {
      total += chunk.length;
      if (total > maxBytes) throw new InvalidArgumentError(`${what}: decompresses to more than ${maxBytes} bytes`);
      yield chunk;
    }
  } catch (error) {
    // The source's own failures pass unchanged; the codec's mean the input is not valid data.
    if (input.sourceFailed || total > maxBytes) throw error;
    throw new InvalidArgumentError(`${what}: not valid ${compression} data: ${errorMessage(error)}`, { cause: error });
  }
}

function checkLevel(c: Compression, level: number, min: number, max: number): number {
  if (!Number.isInteger(level) || level < min || level > max) {
    throw new InvalidArgumentError(`${c} compression level ${level}: must be an integer from ${min} to ${max}`);
  }
  return level;
}

function defaultZstdWorkers(): number {
  return Math.min(os.availableParallelism(), MAX_ZSTD_WORKERS);
}

function startsWith(head: Buffer, magic: Buffer): boolean {
  return head.length >= magic.length && head.subarray(0, magic.length).equals(magic);
}
