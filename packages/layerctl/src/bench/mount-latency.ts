import fs from 'node:fs';
import path from 'node:path';
import { mountAll, unmountAll } from '@layerctl/snapshotter';
import { NotSupportedError } from '@layerctl/sys';
import { removeUnmounted } from './loop-filesystem.ts';
import { checkpoint, measure, time } from './measure.ts';
import type { Workload, WorkloadContext, WorkloadFigure } from './workload.ts';

/**
 * Mount latency by depth, through the Snapshotter as `layerctl run` uses it: one chain of
 * committed layers (a small file each) grows to the deepest depth asked for; at each depth asked
 * for, a fresh active snapshot on the chain's top is prepared and mounted (each timed), then
 * unmounted and removed untimed. bench/snapshots has the same on overlay2 next to a bare mount(2).
 */
export const mountLatency: Workload = {
  name: 'mount-latency',
  describe: (sizes) => `mount latency: prepare and mount of an active snapshot on a chain of ${sizes.mountDepths.join(', ')} committed layers`,
  async run(context) {
    const target = path.join(context.tmpDir, 'bench-mount-latency');
    fs.mkdirSync(target, { recursive: true });
    const chain: string[] = [];
    try {
      return await byDepth(context, target, chain);
    } finally {
      for (const name of chain.reverse()) await context.snapshotter.remove(name);
      removeUnmounted(target);
    }
  },
};

async function byDepth(context: WorkloadContext, target: string, chain: string[]): Promise<WorkloadFigure[]> {
  const { snapshotter } = context;
  const wanted = new Set(context.sizes.mountDepths);
  const deepest = Math.max(...context.sizes.mountDepths);
  const figures: WorkloadFigure[] = [];
  for (let depth = 1; depth <= deepest; depth++) {
    await checkpoint(context.signal);
    if (depth % 50 === 0 || wanted.has(depth)) context.progress(`mount latency: chain at ${depth}/${deepest} layers`);
    const key = `bench-chain-${depth}-active`;
    try {
      mountAll(await snapshotter.prepare(key, chain.at(-1)), target);
    } catch (error) {
      // A driver past its layer limit says so: the depths beyond it have no figure, and the report says why.
      if (error instanceof NotSupportedError) throw new NotSupportedError(`mount latency at ${depth} layers: ${error.message}`, { cause: error });
      throw error;
    }
    try {
      fs.writeFileSync(path.join(target, `layer-${depth}`), `layer ${depth}\n`);
    } finally {
      unmountAll(target);
    }
    await snapshotter.commit(`bench-chain-${depth}`, key);
    chain.push(`bench-chain-${depth}`);
    if (wanted.has(depth)) figures.push(...(await atDepth(context, target, depth, chain.at(-1) ?? '')));
  }
  return figures;
}

async function atDepth(context: WorkloadContext, target: string, depth: number, top: string): Promise<WorkloadFigure[]> {
  const { snapshotter } = context;
  const mountTimes: number[] = [];
  const prepare = await measure(context.sizes.plan, context.signal, async (round) => {
    const key = `bench-probe-${depth}-${round}`;
    let mounts: Awaited<ReturnType<typeof snapshotter.prepare>> = [];
    const prepareMs = await time(async () => (mounts = await snapshotter.prepare(key, top)));
    try {
      mountTimes.push(await time(() => mountAll(mounts, target)));
      unmountAll(target);
    } finally {
      await snapshotter.remove(key);
    }
    return prepareMs;
  });
  // The mount of each round was timed in the same rounds; summarized the same way.
  let index = 0;
  const mount = await measure(context.sizes.plan, context.signal, async () => mountTimes[index++] ?? 0);
  const variant = `${depth} layers`;
  return [
    { variant, metric: 'prepare', cold: false, measured: prepare },
    { variant, metric: 'mount', cold: false, measured: mount },
  ];
}
