import type { ExecutionContext } from 'ava';
import { scratchDir } from '@layerctl/sys/testing';
import type { Driver } from '../driver.ts';
import { dumpTree } from './suite-context.ts';

/** How a conformance test file makes its driver on a fresh root; the suite calls init() and close(). */
export type OpenDriver = (root: string) => Promise<Driver>;

/** What each driver case gets: an initialized driver on a fresh root, with counted mounts undone at the end. */
export interface DriverContext {
  t: ExecutionContext;
  driver: Driver;
  /** The driver's root; tests run concurrently, so a case looks only at mounts under it. */
  root: string;
  /** driver.mount(id), remembered so the teardown can drop the counts a failing case left. */
  mount(id: string): Promise<string>;
  /** driver.unmount(id), forgetting one count. */
  unmount(id: string): Promise<void>;
}

export type DriverCase = (ctx: DriverContext) => Promise<void>;

/**
 * Runs one driver case on a fresh root: teardowns (last registered first) drop the mount counts
 * still held, close the driver, and remove the root (scratchDir fails the test if anything is
 * still mounted there, which is how a driver that leaks mounts is caught).
 */
export async function runDriverCase(t: ExecutionContext, open: OpenDriver, run: DriverCase): Promise<void> {
  const root = scratchDir(t);
  const driver = await open(root);
  await driver.init();
  t.teardown(() => driver.close());
  const held = new Map<string, number>();
  t.teardown(async () => {
    for (const [id, count] of held) for (let i = 0; i < count; i++) await driver.unmount(id);
  });
  const ctx: DriverContext = {
    t,
    driver,
    root,
    async mount(id) {
      const path = await driver.mount(id);
      held.set(id, (held.get(id) ?? 0) + 1);
      return path;
    },
    async unmount(id) {
      await driver.unmount(id);
      held.set(id, (held.get(id) ?? 1) - 1);
    },
  };
  try {
    await run(ctx);
  } catch (err) {
    t.log(`driver root at failure:\n${dumpTree(root)}`);
    throw err;
  }
}
