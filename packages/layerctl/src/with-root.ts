import { checkRequestedDriver, type DriverName } from './drivers.ts';

/** The snapshotter's public surface, loaded on first use so that --help and --version never pay for it. */
export type Snapshotter = typeof import('@layerctl/snapshotter');
export type Root = ReturnType<Snapshotter['openRoot']>;

/**
 * Opens the state directory, hands it and the snapshotter to `use`, and closes it again whatever
 * `use` does. Every command that touches the store goes through here, so every one refuses a
 * `--driver` other than the root's own, whether or not it opens the driver.
 */
export async function withRoot<T>(options: { root: string; driver: DriverName | undefined }, use: (root: Root, snapshotter: Snapshotter) => Promise<T> | T): Promise<T> {
  const snapshotter = await import('@layerctl/snapshotter');
  const root = snapshotter.openRoot(options.root);
  try {
    checkRequestedDriver(root, snapshotter, options.driver);
    return await use(root, snapshotter);
  } finally {
    root.close();
  }
}
