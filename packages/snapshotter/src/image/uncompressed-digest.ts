import { createHash } from 'node:crypto';
import { decompressAuto } from '../archive/compression.ts';
import { DIGEST_ALGORITHM, digestOfHash, type Digest } from '../content/digest.ts';
import { MAX_LAYER_BYTES } from './limits.ts';

/**
 * The sha256 of a blob's decompressed bytes (gzip, zstd or none, judged by its magic number):
 * for a layer, its DiffID. Streams; stops a decompression bomb at MAX_LAYER_BYTES.
 * A blob already in the store goes through readStoredLayer with digestOfStream instead, so a
 * blob damaged on disk is blamed as such.
 */
export async function uncompressedDigest(blob: AsyncIterable<Buffer>, what: string): Promise<Digest> {
  return digestOfStream(decompressAuto(blob, { what, maxBytes: MAX_LAYER_BYTES }));
}

/** The sha256 of every byte a stream yields. */
export async function digestOfStream(stream: AsyncIterable<Buffer>): Promise<Digest> {
  const hash = createHash(DIGEST_ALGORITHM);
  for await (const chunk of stream) hash.update(chunk);
  return digestOfHash(hash);
}
