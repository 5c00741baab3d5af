import type { SnapshotKind } from '@layerctl/snapshotter';
import { driverAvailability, type DriverAvailability } from './drivers.ts';
import type { SnapshotContext } from './with-snapshotter.ts';

/** What `layerctl info` shows. */
export interface RootInfo {
  driver: {
    name: string;
    /** The driver's status() lines, in its order. */
    status: Record<string, string>;
  };
  root: string;
  content: { blobs: number; bytes: number };
  /** Distinct images (ids), however many names each has. */
  images: number;
  snapshots: Record<SnapshotKind | 'total', number>;
  /** Every driver layerctl knows, whether it works here. */
  drivers: DriverAvailability[];
}

export async function rootInfo({ root, snapshotter, api }: SnapshotContext): Promise<RootInfo> {
  const blobs = root.content.list();
  const snapshots: RootInfo['snapshots'] = { total: 0, active: 0, view: 0, committed: 0 };
  for (const info of snapshotter.walk()) {
    snapshots.total++;
    snapshots[info.kind]++;
  }
  return {
    driver: { name: snapshotter.driver.name, status: Object.fromEntries(snapshotter.driver.status()) },
    root: root.dir,
    content: { blobs: blobs.length, bytes: blobs.reduce((sum, digest) => sum + root.content.stat(digest).size, 0) },
    images: new Set(new api.ImageStore(root.metadata).list().map((record) => record.configDigest)).size,
    snapshots,
    drivers: await driverAvailability(root, api, snapshotter.driver.name),
  };
}
