import fs from 'node:fs';
import path from 'node:path';
import { mountAll, unmountAll } from '@layerctl/snapshotter';
import { NotSupportedError } from '@layerctl/sys';
import type { Summary } from '../archive/measure.ts';
import { bareOverlayOf, mountBare, type BareOverlay, unmountBare } from './bare-overlay.ts';
import { type BenchContext, checkpoint, freshDir, timed, timedAsync, Timings } from './bench-context.ts';

/**
 * Workload 1: per-layer latency on a chain of committed layers. One chain is built up to the
 * deepest depth asked for (each layer: prepare, mount, a small file, unmount, commit); at each
 * depth asked for, a fresh active snapshot on the chain's top is prepared, mounted, unmounted and
 * committed (then removed, so the chain stays as deep), next to a bare mount of the same overlay
 * (bare-overlay.ts). Rounds alternate which goes first; round 0 is the warm-up.
 */

export interface DepthResult {
  /** Committed layers below the snapshot measured: the overlay has this many lower dirs. */
  layers: number;
  prepare: Summary;
  mount: Summary;
  unmount: Summary;
  commit: Summary;
  bareMount: Summary;
  bareUnmount: Summary;
  /** The goal's terms on medians: prepare + mount against 2 x bare mount + 5 ms. */
  oursMs: number;
  limitMs: number;
  ratio: number;
  met: boolean;
}

/** The goal of issue 3: prepare plus mount within 2x the bare mount(2) time plus 5 ms. */
export const GOAL_FACTOR = 2;
export const GOAL_SLACK_MS = 5;

/** The small file each layer of the chain holds. */
const LAYER_FILE_BYTES = 4096;

type Step = 'prepare' | 'mount' | 'unmount' | 'commit' | 'bareMount' | 'bareUnmount';

/** The depths measured, and the first one the driver refused to build (the legacy API's page limit). */
export interface ChainDepths {
  results: DepthResult[];
  refused: { layers: number; reason: string } | undefined;
}

export async function chainDepths(context: BenchContext, depths: readonly number[], runs: number, progress: (line: string) => void): Promise<ChainDepths> {
  const target = path.join(context.workDir, 'mnt');
  fs.mkdirSync(target, { recursive: true });
  const wanted = new Set(depths);
  const deepest = Math.max(...depths);
  const results: DepthResult[] = [];
  let top: string | undefined;
  for (let depth = 1; depth <= deepest; depth++) {
    await checkpoint(context);
    try {
      top = await addLayer(context, target, depth, top);
      if (!wanted.has(depth)) continue;
      progress(`chain depth ${depth}: ${runs} runs after a warm-up`);
      results.push(await measureDepth(context, target, depth, top, runs));
    } catch (error) {
      if (!(error instanceof NotSupportedError)) throw error;
      progress(`chain depth ${depth}: the driver refused it: ${error.message}`);
      return { results, refused: { layers: depth, reason: error.message } };
    }
  }
  return { results, refused: undefined };
}

function chainName(depth: number): string {
  return `chain-${depth}`;
}

async function addLayer(context: BenchContext, target: string, depth: number, parent: string | undefined): Promise<string> {
  const key = `${chainName(depth)}-active`;
  const mounts = await context.snapshotter.prepare(key, parent);
  mountAll(mounts, target);
  try {
    fs.writeFileSync(path.join(target, `layer-${depth}`), Buffer.alloc(LAYER_FILE_BYTES, depth % 256));
  } finally {
    unmountAll(target);
  }
  await context.snapshotter.commit(chainName(depth), key);
  return chainName(depth);
}

async function measureDepth(context: BenchContext, target: string, depth: number, top: string, runs: number): Promise<DepthResult> {
  const timings = new Timings<Step>();
  const overlay = await overlayOfTop(context, top, depth);
  for (let round = 0; round <= runs; round++) {
    await checkpoint(context);
    const record = (step: Step, ms: number): void => {
      if (round > 0) timings.add(step, ms);
    };
    const ours = (): Promise<void> => oursOnce(context, target, top, `probe-${depth}-${round}`, record);
    const bare = (): void => bareOnce(context, overlay, `${depth}-${round}`, record);
    if (round % 2 === 0) {
      await ours();
      bare();
    } else {
      bare();
      await ours();
    }
  }
  const s = (step: Step): Summary => timings.summary(step);
  const oursMs = s('prepare').medianMs + s('mount').medianMs;
  const limitMs = GOAL_FACTOR * s('bareMount').medianMs + GOAL_SLACK_MS;
  return {
    layers: depth,
    prepare: s('prepare'),
    mount: s('mount'),
    unmount: s('unmount'),
    commit: s('commit'),
    bareMount: s('bareMount'),
    bareUnmount: s('bareUnmount'),
    oursMs,
    limitMs,
    ratio: oursMs / s('bareMount').medianMs,
    met: oursMs <= limitMs,
  };
}

/** The overlay a prepare on `top` asks for, taken from a snapshot made and removed for the purpose. */
async function overlayOfTop(context: BenchContext, top: string, depth: number): Promise<BareOverlay> {
  const key = `shape-${depth}`;
  const overlay = bareOverlayOf(await context.snapshotter.prepare(key, top));
  await context.snapshotter.remove(key);
  return overlay;
}

async function oursOnce(context: BenchContext, target: string, top: string, key: string, record: (step: Step, ms: number) => void): Promise<void> {
  const prepared = await timedAsync(() => context.snapshotter.prepare(key, top));
  record('prepare', prepared.ms);
  record('mount', timed(() => mountAll(prepared.value, target)).ms);
  try {
    fs.writeFileSync(path.join(target, 'probe'), 'probe');
  } finally {
    record('unmount', timed(() => unmountAll(target)).ms);
  }
  const name = `${key}-committed`;
  record('commit', (await timedAsync(() => context.snapshotter.commit(name, key))).ms);
  await context.snapshotter.remove(name);
}

function bareOnce(context: BenchContext, overlay: BareOverlay, name: string, record: (step: Step, ms: number) => void): void {
  const base = freshDir(context, 'bare', name);
  const upper = path.join(base, 'upper');
  const work = path.join(base, 'work');
  const target = path.join(base, 'merged');
  for (const dir of [upper, work, target]) fs.mkdirSync(dir);
  record('bareMount', timed(() => mountBare(overlay, upper, work, target)).ms);
  try {
    fs.writeFileSync(path.join(target, 'probe'), 'probe');
  } finally {
    record('bareUnmount', timed(() => unmountBare(target)).ms);
  }
  fs.rmSync(base, { recursive: true, force: true });
}
