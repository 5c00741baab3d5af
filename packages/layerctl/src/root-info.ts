import type { MetadataSnapshotter, SnapshotKind } from '@layerctl/snapshotter';
import { LayerctlError } from '@layerctl/sys';
import type { DriverOptions } from './driver-options.ts';
import { checkRequestedDriver, chooseDriver, driverAvailability, persistDriver, type ChosenDriver, type DriverAvailability, type DriverName } from './drivers.ts';
import type { Root, Snapshotter } from './with-root.ts';

/** What `layerctl info` shows. */
export interface RootInfo {
  driver: {
    /** The driver serving the root, or NO_DRIVER when none was recorded, asked for or found. */
    name: string;
    /** The driver's status() lines, in its order; only DRIVER_ERROR_STATUS when it does not initialise. */
    status: Record<string, string>;
  };
  root: string;
  content: { blobs: number; bytes: number };
  /** Distinct images (ids), however many names each has. */
  images: number;
  /** Null when the driver does not initialise: snapshots are counted through it. */
  snapshots: Record<SnapshotKind | 'total', number> | null;
  /** Every driver layerctl knows, whether it works here. */
  drivers: DriverAvailability[];
}

/** The driver name info shows for a new root on which no driver works. */
export const NO_DRIVER = 'none';
/** The one status line of a driver that does not initialise: its error. */
export const DRIVER_ERROR_STATUS = 'Error';

/**
 * The root, its store and its driver. A driver that does not initialise (no CAP_SYS_ADMIN, a
 * kernel without overlayfs) is shown with its error instead of failing the command: info is
 * where a person looks to find out why.
 */
export async function rootInfo(root: Root, api: Snapshotter, requested: DriverName | undefined, requestedOptions?: DriverOptions): Promise<RootInfo> {
  const blobs = root.content.list();
  return {
    ...(await driverInfo(root, api, requested, requestedOptions)),
    root: root.dir,
    content: { blobs: blobs.length, bytes: blobs.reduce((sum, digest) => sum + root.content.stat(digest).size, 0) },
    images: new Set(new api.ImageStore(root.metadata).list().map((record) => record.configDigest)).size,
  };
}

async function driverInfo(
  root: Root,
  api: Snapshotter,
  requested: DriverName | undefined,
  requestedOptions: DriverOptions | undefined,
): Promise<Pick<RootInfo, 'driver' | 'snapshots' | 'drivers'>> {
  const named = checkRequestedDriver(root, api, requested) ?? requested;
  let snapshotter: MetadataSnapshotter;
  let chosen: ChosenDriver;
  try {
    chosen = await chooseDriver(root, api, requested, requestedOptions);
    snapshotter = await api.openSnapshotter(root, chosen.driver);
  } catch (err) {
    if (!(err instanceof LayerctlError)) throw err;
    return {
      driver: { name: named ?? NO_DRIVER, status: { [DRIVER_ERROR_STATUS]: err.message } },
      snapshots: null,
      drivers: await driverAvailability(root, api, undefined),
    };
  }
  try {
    persistDriver(root, snapshotter.driver.name, chosen.options);
    return {
      driver: { name: snapshotter.driver.name, status: Object.fromEntries(snapshotter.driver.status()) },
      snapshots: snapshotCounts(snapshotter),
      drivers: await driverAvailability(root, api, snapshotter.driver.name),
    };
  } finally {
    await snapshotter.close();
  }
}

function snapshotCounts(snapshotter: MetadataSnapshotter): Record<SnapshotKind | 'total', number> {
  const counts = { total: 0, active: 0, view: 0, committed: 0 };
  for (const info of snapshotter.walk()) {
    counts.total++;
    counts[info.kind]++;
  }
  return counts;
}
