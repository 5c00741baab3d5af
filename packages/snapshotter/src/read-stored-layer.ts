import type { Readable } from 'node:stream';
import { DigestMismatchError } from '@layerctl/sys';
import { decompressAuto } from './archive/compression.ts';
import type { ContentStore } from './content/content-store.ts';
import type { Digest } from './content/digest.ts';
import { MAX_LAYER_BYTES } from './image/limits.ts';
import type { Root } from './root.ts';

/**
 * Hands `use` the tar of a stored layer blob, decompressed as it is read (stopped at
 * MAX_LAYER_BYTES), and closes it when `use` is done. `what` names the layer in errors
 * ("layer sha256:…").
 *
 * The content store checks a blob's digest only at its end, but bytes changed on disk usually
 * break decompression, or the tar read from it, before that, which would blame whoever wrote the
 * layer for bad data. So when `use` fails, the blob is read once more to check it: one that no
 * longer matches its digest fails with DigestMismatchError naming it; otherwise the error stands.
 */
export async function readStoredLayer<T>(root: Root, digest: Digest, what: string, use: (tar: Readable) => Promise<T>): Promise<T> {
  const tar = decompressAuto(root.content.read(digest), { what, maxBytes: MAX_LAYER_BYTES });
  try {
    return await use(tar);
  } catch (error) {
    throw await blobAtFault(root.content, digest, error);
  } finally {
    tar.destroy();
  }
}

/** DigestMismatchError when the blob no longer matches its digest, else `error` itself. */
async function blobAtFault(content: ContentStore, digest: Digest, error: unknown): Promise<unknown> {
  // A mismatch already found (the blob's own, or a DiffID's after the blob passed) needs no second read.
  if (error instanceof DigestMismatchError) return error;
  try {
    await content.verify(digest);
  } catch (verifyError) {
    if (verifyError instanceof DigestMismatchError) return verifyError;
    // The check itself could not run (the blob was removed meanwhile): the failure that
    // stopped `use` is still the one to report.
  }
  return error;
}
