import { treeFacts } from '../archive/testdata/compare-trees.ts';
import { applyOps, type FileOp } from './file-ops.ts';
import { assertSameTree } from './same-tree.ts';
import type { SuiteContext } from './suite-context.ts';

export interface ChainOptions {
  /** Compare the active snapshot with the plain tree after every n-th layer (and the last); 1 = every layer. */
  checkEvery?: number;
}

/**
 * The core oracle (containerd's checkSnapshots): each list of operations is applied to a new
 * active snapshot on the previous layer and to one plain directory; each layer is committed; a
 * view of the top is mounted and must equal the plain directory entry by entry. mtimes differ
 * between the two (the operations ran at different times), so the view is also compared with
 * the top layer as it was before its commit, mtimes included: commit must change nothing.
 * Returns the committed names, bottom first.
 */
export async function checkLayers(ctx: SuiteContext, layers: FileOp[][], opts: ChainOptions = {}): Promise<string[]> {
  const { t, snapshotter } = ctx;
  const checkEvery = opts.checkEvery ?? 1;
  const flat = ctx.dir();
  const names: string[] = [];
  let beforeCommit = new Map<string, string>();
  for (const [i, ops] of layers.entries()) {
    const key = `active-${i}`;
    const target = ctx.mount(await snapshotter.prepare(key, names.at(-1)));
    applyOps(target, ops);
    applyOps(flat, ops);
    const last = i === layers.length - 1;
    if (last || (i + 1) % checkEvery === 0) assertSameTree(t, flat, target, `layer ${i} while active`, { mtimes: 'none' });
    if (last) beforeCommit = treeFacts(target);
    ctx.unmount(target);
    await snapshotter.commit(`layer-${i}`, key);
    names.push(`layer-${i}`);
  }
  const view = ctx.mount(await snapshotter.view('view-top', names.at(-1) ?? ''));
  assertSameTree(t, flat, view, `view of ${names.at(-1)}`, { mtimes: 'none' });
  assertSameTree(t, beforeCommit, view, `view of ${names.at(-1)} against its active snapshot before commit (mtimes included)`);
  ctx.unmount(view);
  await snapshotter.remove('view-top');
  return names;
}
