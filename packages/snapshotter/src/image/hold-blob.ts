import { FailedPreconditionError } from '@layerctl/sys';
import type { Digest } from '../content/digest.ts';
import type { Lease } from '../metadata/leases.ts';
import type { Root } from '../root.ts';

/**
 * Adds a blob that was just ingested to `lease`, then checks it is still there. The digest of a
 * stream is known only once it is stored, so there is a moment before the lease holds it; a gc
 * that ran in that moment (and found the blob already stored by someone else, so with an old
 * ctime) may have removed it. Failing here, before any name is recorded, is what keeps an image
 * from ever naming a missing blob.
 */
export function holdBlob(root: Root, lease: Lease, digest: Digest): void {
  lease.addBlob(digest);
  if (!root.content.has(digest)) {
    throw new FailedPreconditionError(`blob ${digest} was removed by a concurrent layerctl gc while being stored; run the command again`);
  }
}
