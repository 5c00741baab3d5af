import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { unmountAll } from '@layerctl/snapshotter';
import { mountPoints, scratchDir } from '@layerctl/sys/testing';
import { inRoot } from './run-layerctl.ts';

/**
 * A scratch dir on tmpfs with a layerctl root in it (`<dir>/root`) and a runner for that root.
 * Everything mounted below the dir is taken off when the test ends, pass or fail, before the dir
 * is removed (ava runs teardowns last-registered first).
 */
export function snapshotScratch(t: ExecutionContext) {
  const dir = scratchDir(t);
  t.teardown(() => {
    for (const point of mountsUnder(dir).reverse()) unmountAll(point);
  });
  return { dir, root: path.join(dir, 'root'), layerctl: inRoot(path.join(dir, 'root')) };
}

/** The mount points below `dir`, as /proc/self/mountinfo lists them (the CLI runs in this mount namespace). */
export function mountsUnder(dir: string): string[] {
  return mountPoints().filter((point) => point.startsWith(`${dir}/`));
}

export type Layerctl = ReturnType<typeof inRoot>;

/** Runs a command that must succeed (the assertion names the command and its stderr); returns its stdout. */
export async function must(t: ExecutionContext, layerctl: Layerctl, args: string[]): Promise<string> {
  const result = await layerctl(args);
  t.is(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}
