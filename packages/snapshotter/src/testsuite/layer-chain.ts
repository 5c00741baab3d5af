import { treeFacts } from '../archive/testdata/compare-trees.ts';
import { applyOps, createFile, type FileOp } from './file-ops.ts';
import { assertSameTree } from './same-tree.ts';
import type { SuiteContext } from './suite-context.ts';

export interface ChainOptions {
  /** Compare the active snapshot with the plain tree after every n-th layer (and the last); 1 = every layer. */
  checkEvery?: number;
  /** How the committed top is read back: a view (default), or a writable child, as a container would be. */
  top?: 'view' | 'child';
}

/**
 * The core oracle (containerd's checkSnapshots): each list of operations is applied to a new
 * active snapshot on the previous layer and to one plain directory; each layer is committed; a
 * view of the top is mounted and must equal the plain directory entry by entry. mtimes differ
 * between the two (the operations ran at different times), so the view is also compared with
 * the top layer as it was before its commit, mtimes included: commit must change nothing.
 * With `top: 'child'` a new active snapshot on the top is checked the same way and written to.
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
  const top = names.at(-1) ?? '';
  const key = opts.top === 'child' ? 'child-top' : 'view-top';
  const mounted = ctx.mount(await (opts.top === 'child' ? snapshotter.prepare(key, top) : snapshotter.view(key, top)));
  assertSameTree(t, flat, mounted, `${key} of ${top}`, { mtimes: 'none' });
  assertSameTree(t, beforeCommit, mounted, `${key} of ${top} against its active snapshot before commit (mtimes included)`);
  if (opts.top === 'child') applyOps(mounted, [createFile('/written-on-top', 'a container writes here', 0o644)]);
  ctx.unmount(mounted);
  await snapshotter.remove(key);
  return names;
}
