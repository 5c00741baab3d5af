import type { Readable } from 'node:stream';
import { FailedPreconditionError } from '@layerctl/sys';
import type { Change } from '@layerctl/snapshotter';
import type { SnapshotContext } from '../with-snapshotter.ts';
import { rwLayerKey } from './container-paths.ts';
import type { ContainerRecord } from './container-store.ts';

/**
 * The container's rw layer and the layer below it (its init layer), as the driver names them.
 * The Snapshotter API has no changes(key); this reads the two driver ids from the snapshots
 * table (metadata/schema.ts, migration 2) so that diff and commit ask the driver directly.
 */
function rwLayerDriverIds(context: SnapshotContext, record: ContainerRecord): { id: string; parent: string | undefined } {
  const key = rwLayerKey(record.id);
  const row = context.root.metadata.read((db) =>
    db.prepare('SELECT s.driver_id AS id, p.driver_id AS parent FROM snapshots s LEFT JOIN snapshots p ON p.id = s.parent_id WHERE s.key = ?').get(key),
  );
  if (row === undefined) throw new FailedPreconditionError(`container ${record.name}: its rw layer (snapshot ${key}) is missing; layerctl rm -f it`);
  const id = context.api.rowText(row, 'snapshots', 'id');
  const parent = row['parent'] === null ? undefined : context.api.rowText(row, 'snapshots', 'parent');
  return { id, parent };
}

/**
 * What the container changed against its image: the rw layer's changes over its init layer, so
 * the /etc files and mount points every container gets are not listed (Docker's diff).
 */
export async function containerChanges(context: SnapshotContext, record: ContainerRecord): Promise<Change[]> {
  const { id, parent } = rwLayerDriverIds(context, record);
  return context.snapshotter.driver.changes(id, parent);
}

/** The rw layer as an OCI changeset tar (commit's new image layer), streamed from the driver. */
export function containerLayerTar(context: SnapshotContext, record: ContainerRecord): Readable {
  const { id, parent } = rwLayerDriverIds(context, record);
  return context.snapshotter.driver.diff(id, parent);
}

/** Docker's letters for a change: Added, Changed, Deleted. */
const CHANGE_LETTERS: Record<Change['kind'], string> = { add: 'A', modify: 'C', delete: 'D' };

export function changeLine(change: Change): string {
  return `${CHANGE_LETTERS[change.kind]} /${change.path}`;
}
