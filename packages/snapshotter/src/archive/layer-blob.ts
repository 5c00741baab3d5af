import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { type BlobInfo, type ContentStore } from '../content/content-store.ts';
import { DIGEST_ALGORITHM, type Digest, digestOfHash } from '../content/digest.ts';
import { chunkReturner } from './chunk-return.ts';
import { type Compression, compressStream, zstdCompressor } from './compression.ts';

/** A layer as stored: the names of its tar (DiffID) and of its compressed blob (digest). */
export interface LayerBlob {
  /** sha256 of the uncompressed tar; what image configs list in rootfs.diff_ids. */
  diffId: Digest;
  /** sha256 of the stored blob; what manifests list. */
  digest: Digest;
  /** Bytes of the stored blob. */
  size: number;
  /** Bytes of the uncompressed tar. */
  uncompressedSize: number;
  compression: Compression;
}

export interface LayerBlobOptions {
  /** Compression level; the default is ZSTD_LAYER_LEVEL or GZIP_LAYER_LEVEL. */
  level?: number;
}

/**
 * Stores a layer tar in ONE pass: tar bytes → sha256 (DiffID) → compress → sha256 and size
 * (blob digest, inside ingest) → content store. Nothing is held whole; backpressure runs from the
 * blob file back to the tar producer.
 */
export async function writeLayerBlob(
  store: ContentStore,
  tar: AsyncIterable<Buffer>,
  compression: Compression,
  options: LayerBlobOptions = {},
): Promise<LayerBlob> {
  if (compression === 'zstd') return writeZstdLayerBlob(store, tar, options.level);
  const diffHash = createHash(DIGEST_ALGORITHM);
  let uncompressedSize = 0;
  async function* hashTar(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      diffHash.update(chunk);
      uncompressedSize += chunk.length;
      yield chunk;
    }
  }
  const stored: BlobInfo = await pipeline(tar, hashTar, compressStream(compression, options.level), (compressed: AsyncIterable<Buffer>) =>
    store.ingest(compressed),
  );
  return { diffId: digestOfHash(diffHash), digest: stored.digest, size: stored.size, uncompressedSize, compression };
}

/**
 * The same pass for zstd, without streams: each tar chunk is hashed and compressed in turn, and
 * the compressed bytes go through one reused buffer straight into the blob file (ingestWritten).
 * On the main thread this saves, per chunk, two stream stages and their awaits and, per blob,
 * a fresh Buffer for every compressed byte (bench/README.md, session 3).
 */
async function writeZstdLayerBlob(store: ContentStore, tar: AsyncIterable<Buffer>, level: number | undefined): Promise<LayerBlob> {
  const diffHash = createHash(DIGEST_ALGORITHM);
  let uncompressedSize = 0;
  // zstd copies its input before write() returns, so each chunk may go back to the tar's source.
  const giveBack = chunkReturner(tar);
  const stored = await store.ingestWritten(async (write) => {
    const compressor = zstdCompressor(write, level);
    for await (const chunk of tar) {
      diffHash.update(chunk);
      uncompressedSize += chunk.length;
      compressor.write(chunk);
      giveBack?.(chunk);
    }
    compressor.end();
  });
  return { diffId: digestOfHash(diffHash), digest: stored.digest, size: stored.size, uncompressedSize, compression: 'zstd' };
}
