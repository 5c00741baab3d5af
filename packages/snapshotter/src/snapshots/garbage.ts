import type { Driver } from '../driver.ts';
import type { Root } from '../root.ts';
import { livePendingDriverIds, namedDriverIds } from './snapshot-rows.ts';

export interface SnapshotGarbageReport {
  /** Driver layer ids removed, in the order they were removed. */
  removedLayers: string[];
}

/**
 * Removes every driver layer that no snapshot row names: what a crash in the middle of prepare,
 * view or remove leaves behind (metadata-snapshotter.ts gives the order that makes this so).
 *
 * A layer being created right now is named only by the `snapshot_pending` row of its live
 * process, and is spared; the pending rows of dead processes are deleted on the way, which makes
 * their layers garbage. The driver is listed before the metadata is read, so a layer made after
 * the listing is never a candidate.
 */
export async function collectSnapshotGarbage(root: Root, driver: Driver): Promise<SnapshotGarbageReport> {
  const held = driver.list();
  const garbage = root.metadata.write((db) => {
    const named = namedDriverIds(db);
    const pending = livePendingDriverIds(db);
    return held.filter((id) => !named.has(id) && !pending.has(id));
  });
  for (const id of garbage) await driver.remove(id);
  return { removedLayers: garbage };
}
