import type { DatabaseSync } from 'node:sqlite';
import { FailedPreconditionError, NotFoundError } from '@layerctl/sys';
import type { Digest } from '../content/digest.ts';
import type { Root } from '../root.ts';
import { readManifest } from './image-documents.ts';
import { ImageStore, isDangling, type ImageRecord } from './image-store.ts';
import { manifestBlobs } from './manifest.ts';
import { sweepBlobs } from './gc.ts';
import { familiarName } from './reference.ts';

export interface RemoveResult {
  /** Names removed, "repository:tag". */
  untagged: string[];
  /** The image id, when the image itself went, then the blobs that only it used. */
  deleted: Digest[];
}

/**
 * `rmi` with Docker's rules:
 * - by name, of an image that has other names: only that name goes (untag);
 * - by name, of its last name: the name and the image go;
 * - by id (or id prefix), of an image with several names: refused with FailedPreconditionError
 *   unless `force`, which removes every name and the image.
 * When the image goes, the blobs no other image or lease holds are removed at once.
 */
export async function removeImage(root: Root, ref: string, opts: { force?: boolean } = {}): Promise<RemoveResult> {
  const removed = root.metadata.write((db) => removeRecords(db, ref, opts.force === true));
  if (removed.deletedId === undefined) return { untagged: removed.untagged, deleted: [] };
  const candidates = new Set<Digest>();
  for (const manifestDigest of new Set(removed.records.map((record) => record.manifestDigest))) {
    for (const digest of await blobsOf(root, manifestDigest)) candidates.add(digest);
  }
  const swept = await sweepBlobs(root, candidates);
  const deleted = [removed.deletedId, ...swept.removed.filter((digest) => digest !== removed.deletedId)];
  return { untagged: removed.untagged, deleted };
}

/** The manifest and what it references; only the manifest when it is already gone (gc sweeps the rest). */
async function blobsOf(root: Root, manifestDigest: Digest): Promise<Digest[]> {
  try {
    const manifest = await readManifest(root.content, manifestDigest);
    return manifestBlobs(manifestDigest, manifest);
  } catch (err) {
    if (err instanceof NotFoundError) return [manifestDigest];
    throw err;
  }
}

interface Removal {
  untagged: string[];
  deletedId: Digest | undefined;
  records: ImageRecord[];
}

function removeRecords(db: DatabaseSync, ref: string, force: boolean): Removal {
  const resolved = ImageStore.resolveIn(db, ref);
  const names = resolved.records.filter((record) => !isDangling(record.name));
  if (resolved.byName && names.length > 1) {
    ImageStore.remove(db, resolved.record.name);
    return { untagged: [resolved.record.name], deletedId: undefined, records: [] };
  }
  if (!resolved.byName && names.length > 1 && !force) {
    throw new FailedPreconditionError(
      `image ${resolved.id} has several names (${names.map((record) => familiarName(record.name)).join(', ')}); remove them by name, or force the removal`,
    );
  }
  for (const record of resolved.records) ImageStore.remove(db, record.name);
  return { untagged: names.map((record) => record.name), deletedId: resolved.id, records: resolved.records };
}
