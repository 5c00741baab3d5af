import type { MetadataSnapshotter } from '@layerctl/snapshotter';
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
export async function withSnapshotter<T>(options: { root: string; driver: DriverName | undefined }, use: (context: SnapshotContext) => Promise<T> | T): Promise<T> {
  return withRoot(options, async (root, api) => {
    const snapshotter = await api.openSnapshotter(root, await chooseDriver(root, api, options.driver));
    try {
      persistDriver(root, snapshotter.driver.name);
      return await use({ root, snapshotter, api });
    } finally {
      await snapshotter.close();
    }
  });
}
