import fs from 'node:fs';
import type { ExecutionContext } from 'ava';
import { scratchDir } from '@layerctl/sys/testing';
import type { Mount } from '../mount/mount.ts';
import { mountAll, unmountAll } from '../mount/perform-mount.ts';
import type { Snapshotter } from '../snapshots/snapshotter-api.ts';
import { treeFacts } from '../archive/testdata/compare-trees.ts';
import { listFacts } from './same-tree.ts';

/** How a conformance test file opens its driver's snapshotter on a fresh root. */
export type OpenSnapshotter = (root: string) => Promise<{ snapshotter: Snapshotter; close(): Promise<void> }>;

/** What each snapshotter case gets: a snapshotter on a fresh root, and a work dir for mount points and plain trees. */
export interface SuiteContext {
  t: ExecutionContext;
  snapshotter: Snapshotter;
  /** On tmpfs, apart from the root: mount points and the plain directories the oracle compares with. */
  work: string;
  /** A new empty directory under `work`. */
  dir(): string;
  /** Performs `mounts` on a new directory under `work` and returns it; unmounted at the end of the test if still mounted. */
  mount(mounts: Mount[]): string;
  unmount(target: string): void;
}

export type Case = (ctx: SuiteContext) => Promise<void>;

/**
 * Runs one case with everything it makes cleaned up whether it passes or not: ava runs teardowns
 * last-registered first, so mounts come off, then the snapshotter closes, then both scratch
 * directories go (scratchDir refuses, failing the test, if anything is still mounted there).
 * On failure the work tree, mounts included, is logged as facts, which ava prints with the failure.
 */
export async function runCase(t: ExecutionContext, open: OpenSnapshotter, run: Case): Promise<void> {
  const root = scratchDir(t);
  const work = scratchDir(t);
  const { snapshotter, close } = await open(root);
  t.teardown(close);
  let dirs = 0;
  const dir = (): string => {
    // Short names: a unix socket path must fit in 108 bytes.
    const path = `${work}/${dirs++}`;
    fs.mkdirSync(path);
    return path;
  };
  const ctx: SuiteContext = {
    t,
    snapshotter,
    work,
    dir,
    mount(mounts) {
      const target = dir();
      mountAll(mounts, target);
      t.teardown(() => unmountAll(target));
      return target;
    },
    unmount(target) {
      unmountAll(target);
      // Gone once unmounted, so a failure's dump of the work dir shows only what is still in use.
      fs.rmdirSync(target);
    },
  };
  try {
    await run(ctx);
  } catch (err) {
    t.log(`work tree at failure:\n${dumpTree(work)}`);
    throw err;
  }
}

/** Every entry of a tree as a line of facts, for failure messages. */
export function dumpTree(dir: string): string {
  try {
    return listFacts(treeFacts(dir, { mtimes: 'none' }));
  } catch (err) {
    return `  (cannot walk ${dir}: ${String(err)})`;
  }
}
