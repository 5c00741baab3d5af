import { createHash } from 'node:crypto';
import { decompressAuto } from '../archive/compression.ts';
import { DIGEST_ALGORITHM, digestOfHash, type Digest } from '../content/digest.ts';
import { MAX_LAYER_BYTES } from './limits.ts';

/**
 * The sha256 of a blob's decompressed bytes (gzip, zstd or none, judged by its magic number):
 * for a layer, its DiffID. Streams; stops a decompression bomb at MAX_LAYER_BYTES.
 */
export async function uncompressedDigest(blob: AsyncIterable<Buffer>, what: string): Promise<Digest> {
  const hash = createHash(DIGEST_ALGORITHM);
  for await (const chunk of decompressAuto(blob, { what, maxBytes: MAX_LAYER_BYTES })) hash.update(chunk);
  return digestOfHash(hash);
}
