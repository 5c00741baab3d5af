import type { ExecutionContext } from 'ava';
import { rowInteger } from '../../metadata/row-values.ts';
import type { Root } from '../../root.ts';
import { scratchRoot, type Scratch } from '../../image/test-images.ts';
import { openSnapshotter, type MetadataSnapshotter } from '../metadata-snapshotter.ts';
import { CopyDriver } from './copy-driver.ts';

/** Test helpers: a root on tmpfs with a snapshotter on the copy driver (or a subclass of it). */
export interface SnapshotScratch extends Scratch {
  driver: CopyDriver;
  snapshotter: MetadataSnapshotter;
}

export async function scratchSnapshotter(
  t: ExecutionContext,
  makeDriver: (root: string) => CopyDriver = (root) => new CopyDriver(root),
): Promise<SnapshotScratch> {
  const scratch = scratchRoot(t);
  const driver = makeDriver(scratch.root.dir);
  const snapshotter = await openSnapshotter(scratch.root, driver);
  t.teardown(() => snapshotter.close());
  return { ...scratch, driver, snapshotter };
}

/** Rows of snapshot_pending: driver layers being created, or left by a process that died creating them. */
export function pendingCount(root: Root): number {
  return root.metadata.read((db) => rowInteger(db.prepare('SELECT count(*) AS n FROM snapshot_pending').get() ?? {}, 'snapshot_pending', 'n'));
}
