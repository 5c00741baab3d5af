import { Readable } from 'node:stream';
import { DigestMismatchError } from '@layerctl/sys';
import { decompressAuto } from './archive/compression.ts';
import type { ContentStore } from './content/content-store.ts';
import type { Digest } from './content/digest.ts';
import { MAX_LAYER_BYTES } from './image/limits.ts';
import type { Root } from './root.ts';

/**
 * The tar of a stored layer blob, decompressed as it is read (stopped at MAX_LAYER_BYTES).
 *
 * The content store checks a blob's digest only at its end, but bytes changed on disk usually
 * break decompression before that, which would report a damaged blob as bad data from whoever
 * wrote it. So when reading fails, the blob is read once more to check it: a blob that no longer
 * matches its digest fails with DigestMismatchError naming it; otherwise the error stands.
 * `what` names the layer in errors ("layer sha256:…").
 */
export function readStoredLayer(root: Root, digest: Digest, what: string): Readable {
  return Readable.from(checkedChunks(root.content, digest, what), { objectMode: false });
}

async function* checkedChunks(content: ContentStore, digest: Digest, what: string): AsyncGenerator<Buffer> {
  const tar = decompressAuto(content.read(digest), { what, maxBytes: MAX_LAYER_BYTES });
  try {
    yield* tar;
  } catch (error) {
    throw await blobAtFault(content, digest, error);
  } finally {
    tar.destroy();
  }
}

/** DigestMismatchError when the blob no longer matches its digest, else `error` itself. */
async function blobAtFault(content: ContentStore, digest: Digest, error: unknown): Promise<unknown> {
  if (error instanceof DigestMismatchError) return error;
  try {
    await content.verify(digest);
  } catch (verifyError) {
    if (verifyError instanceof DigestMismatchError) return verifyError;
    // The check itself could not run (the blob was removed meanwhile): the failure that
    // stopped the read is still the one to report.
  }
  return error;
}
