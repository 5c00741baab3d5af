import { NotFoundError } from '@layerctl/sys';
import type { Digest, MetadataSnapshotter } from '@layerctl/snapshotter';

/**
 * Whether `chainId` is a committed snapshot; then every layer below it is one too (a parent
 * cannot be removed while a child stands on it). Undefined, the empty chain, always is.
 */
export function isCommitted(snapshotter: MetadataSnapshotter, chainId: Digest | undefined): boolean {
  if (chainId === undefined) return true;
  try {
    return snapshotter.stat(chainId).kind === 'committed';
  } catch (err) {
    if (err instanceof NotFoundError) return false;
    throw err;
  }
}
