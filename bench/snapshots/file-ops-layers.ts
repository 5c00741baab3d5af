import fs from 'node:fs';
import path from 'node:path';
import { randomFillSync } from 'node:crypto';
import { mountAll, unmountAll } from '@layerctl/snapshotter';
import { LayerctlError } from '@layerctl/sys';
import type { Summary } from '../archive/measure.ts';
import { type BenchContext, checkpoint, timed, timedAsync, Timings } from './bench-context.ts';

/**
 * Workload 2, the shape of containerd's snapshotter benchmark: a chain of 16 layers, each
 * prepared on the one below, mounted, given 1 MiB of file operations, unmounted and committed,
 * with prepare, write and commit timed apart (mount and unmount too). Each run builds a fresh
 * chain; run 0 is the warm-up; every chain is removed (untimed) before the next.
 *
 * The file operations of layer i, 1 MiB written in all:
 *   three new files of 256 KiB in l<i>/;
 *   a rewrite of l<i-1>/f0 (256 KiB: copy-up, truncate, write) and a delete of l<i-1>/f1
 *   (a whiteout), or on the base layer a fourth new file.
 */

export const FILE_OPS_LAYERS = 16;
const FILE_BYTES = 256 * 1024;
const NEW_FILES = 3;
export const BYTES_PER_LAYER = 4 * FILE_BYTES;

export interface FileOpsResult {
  layers: number;
  bytesPerLayer: number;
  prepare: Summary;
  mount: Summary;
  write: Summary;
  unmount: Summary;
  commit: Summary;
}

type Step = 'prepare' | 'mount' | 'write' | 'unmount' | 'commit';

export async function fileOpsLayers(context: BenchContext, runs: number, progress: (line: string) => void): Promise<FileOpsResult> {
  const target = path.join(context.workDir, 'mnt');
  fs.mkdirSync(target, { recursive: true });
  // Made before any timing: the write step times file operations, not random numbers.
  const content = randomFillSync(Buffer.allocUnsafe(FILE_BYTES));
  const timings = new Timings<Step>();
  progress(`containerd shape: ${FILE_OPS_LAYERS} layers of ${BYTES_PER_LAYER / 1024} KiB of file operations, ${runs} runs after a warm-up`);
  for (let run = 0; run <= runs; run++) {
    const record = (step: Step, ms: number): void => {
      if (run > 0) timings.add(step, ms);
    };
    const names: string[] = [];
    for (let layer = 1; layer <= FILE_OPS_LAYERS; layer++) {
      await checkpoint(context);
      names.push(await addLayer(context, target, run, layer, names.at(-1), content, record));
    }
    if (run === runs) await checkTop(context, target, names.at(-1));
    // Children before parents. A failure above leaves its chain to the bench's final cleanup.
    for (const name of names.reverse()) await context.snapshotter.remove(name);
  }
  const s = (step: Step): Summary => timings.summary(step);
  return { layers: FILE_OPS_LAYERS, bytesPerLayer: BYTES_PER_LAYER, prepare: s('prepare'), mount: s('mount'), write: s('write'), unmount: s('unmount'), commit: s('commit') };
}

async function addLayer(
  context: BenchContext,
  target: string,
  run: number,
  layer: number,
  parent: string | undefined,
  content: Buffer,
  record: (step: Step, ms: number) => void,
): Promise<string> {
  const key = `ops-${run}-${layer}-active`;
  const prepared = await timedAsync(() => context.snapshotter.prepare(key, parent));
  record('prepare', prepared.ms);
  record('mount', timed(() => mountAll(prepared.value, target)).ms);
  try {
    record('write', timed(() => writeLayer(target, layer, content)).ms);
  } finally {
    record('unmount', timed(() => unmountAll(target)).ms);
  }
  const name = `ops-${run}-${layer}`;
  record('commit', (await timedAsync(() => context.snapshotter.commit(name, key))).ms);
  return name;
}

function writeLayer(root: string, layer: number, content: Buffer): void {
  const own = path.join(root, `l${layer}`);
  fs.mkdirSync(own);
  for (let i = 0; i < NEW_FILES; i++) fs.writeFileSync(path.join(own, `f${i}`), content);
  if (layer === 1) {
    fs.writeFileSync(path.join(own, `f${NEW_FILES}`), content);
    return;
  }
  const below = path.join(root, `l${layer - 1}`);
  fs.writeFileSync(path.join(below, 'f0'), content);
  fs.rmSync(path.join(below, 'f1'));
}

/** The top of the last chain, through a view: the writes landed and the deletes hide what they deleted. */
async function checkTop(context: BenchContext, target: string, top: string | undefined): Promise<void> {
  if (top === undefined) return;
  const key = 'ops-check';
  mountAll(await context.snapshotter.view(key, top), target);
  try {
    const exists = (name: string): boolean => fs.existsSync(path.join(target, name));
    const want: Array<[string, boolean]> = [
      [`l${FILE_OPS_LAYERS}/f2`, true],
      [`l${FILE_OPS_LAYERS - 1}/f0`, true],
      [`l${FILE_OPS_LAYERS - 1}/f1`, false],
      ['l1/f3', true],
    ];
    const wrong = want.find(([name, present]) => exists(name) !== present);
    if (wrong !== undefined) throw new LayerctlError(`containerd-shape check: ${wrong[0]} should ${wrong[1] ? '' : 'not '}be in a view of ${top}`);
  } finally {
    unmountAll(target);
    await context.snapshotter.remove(key);
  }
}
