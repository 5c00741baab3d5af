import { tarHeader, type TarInput } from '../archive/tar/index.ts';
import { DIGEST_ALGORITHM, digestHex, type Digest } from '../content/digest.ts';
import { OCI_BLOBS_DIR } from '../content/oci-layout.ts';
import type { Root } from '../root.ts';
import { documentBytes } from './image-documents.ts';

/**
 * Entries of the archives a save writes. Times are the epoch and owners root, so the same images
 * saved twice give the same bytes; files are 0644 and folders 0755, as Docker writes them.
 */

const FILE_MODE = 0o644;
const DIR_MODE = 0o755;

/** The path of a blob inside an OCI layout or a Docker 25+ save: blobs/sha256/<hex>. */
export function blobPath(digest: Digest): string {
  return `${OCI_BLOBS_DIR}/${DIGEST_ALGORITHM}/${digestHex(digest)}`;
}

export function documentEntry(name: string, document: unknown): TarInput {
  const body = documentBytes(document);
  return { header: tarHeader({ name, type: 'file', mode: FILE_MODE, size: body.length }), body };
}

/** blobs/, blobs/sha256/, then each blob streamed from the content store. */
export function* blobEntries(root: Root, digests: Digest[]): Generator<TarInput> {
  yield { header: tarHeader({ name: OCI_BLOBS_DIR, type: 'directory', mode: DIR_MODE }) };
  yield { header: tarHeader({ name: `${OCI_BLOBS_DIR}/${DIGEST_ALGORITHM}`, type: 'directory', mode: DIR_MODE }) };
  for (const digest of digests) {
    const { size } = root.content.stat(digest);
    yield { header: tarHeader({ name: blobPath(digest), type: 'file', mode: FILE_MODE, size }), body: root.content.read(digest) };
  }
}
