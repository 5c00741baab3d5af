import { FailedPreconditionError } from '@layerctl/sys';
import type { Root, Snapshotter } from '../with-root.ts';
import { ContainerStore } from './container-store.ts';

/**
 * rmi's check: an image that containers were made from cannot go while they exist (their layers
 * stand on it, and commit reads its config). Removing one of several names only untags, which
 * is allowed.
 */
export async function checkImageUnused(root: Root, api: Snapshotter, ref: string): Promise<void> {
  const resolved = new api.ImageStore(root.metadata).resolve(ref);
  const { repoTags } = await api.inspectImage(root, resolved.id);
  if (resolved.byName && repoTags.length > 1) return;
  const users = new ContainerStore(root.metadata).usingImage(resolved.id);
  const [first] = users;
  if (first === undefined) return;
  const more = users.length > 1 ? ` and ${users.length - 1} more` : '';
  throw new FailedPreconditionError(`image ${ref} is used by container ${first.name} (${first.id.slice(0, 12)})${more}; remove the containers first (layerctl rm)`);
}
