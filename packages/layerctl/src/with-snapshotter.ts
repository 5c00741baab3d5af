import type { MetadataSnapshotter } from '@layerctl/snapshotter';
import { parseStorageOpts } from './driver-options.ts';
import { chooseDriver, persistDriver, type DriverName } from './drivers.ts';
import { withRoot, type Root, type Snapshotter } from './with-root.ts';

/** What a command that works on snapshots is handed. */
export interface SnapshotContext {
  root: Root;
  snapshotter: MetadataSnapshotter;
  /** The snapshotter package itself (loaded on first use, as withRoot loads it). */
  api: Snapshotter;
}

/**
 * Opens the root, its driver (drivers.ts chooses which) and the Snapshotter on it, hands them to
 * `use`, and closes them again whatever `use` does. The root remembers its driver from the first
 * command that initialises one.
 */
export async function withSnapshotter<T>(
  options: { root: string; driver: DriverName | undefined; storageOpt?: readonly string[] },
  use: (context: SnapshotContext) => Promise<T> | T,
): Promise<T> {
  const requestedOptions = parseStorageOpts(options.storageOpt);
  return withRoot(options, async (root, api) => {
    const chosen = await chooseDriver(root, api, options.driver, requestedOptions);
    const snapshotter = await api.openSnapshotter(root, chosen.driver);
    try {
      persistDriver(root, snapshotter.driver.name, chosen.options);
      return await use({ root, snapshotter, api });
    } finally {
      await snapshotter.close();
    }
  });
}
