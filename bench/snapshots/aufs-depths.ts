import fs from 'node:fs';
import path from 'node:path';
import { mountAll, openRoot, openSnapshotter, unmountAll, type Driver } from '@layerctl/snapshotter';
import { summarize, type Sample, type Summary } from '../archive/measure.ts';
import { timed, timedAsync } from './bench-context.ts';

/**
 * Chain depth for aufs next to overlay2 (chain-depth.ts's shape without its bare baseline, which
 * is an overlay mount and means nothing for FUSE): one chain per driver, built up to the deepest
 * depth asked for (each layer: prepare, mount, a 4 KiB file, unmount, commit); at each depth
 * asked for, `runs` rounds after a warm-up of prepare, mount, unmount and commit of a snapshot
 * on the chain's top, which is then removed so the chain stays as deep.
 */

const STEPS = ['prepare', 'mount', 'unmount', 'commit'] as const;
type Step = (typeof STEPS)[number];
export type DepthSummary = Record<Step, Summary>;

const LAYER_FILE_BYTES = 4096;

/** Per depth, the summaries of one driver. */
export async function depthsOn(name: string, make: (root: string) => Driver, workDir: string, depths: readonly number[], runs: number): Promise<Map<number, DepthSummary>> {
  const dir = path.join(workDir, `${name}-depths`);
  const target = path.join(workDir, `${name}-depths-mnt`);
  fs.mkdirSync(target, { recursive: true });
  const root = openRoot(dir);
  const snapshotter = await openSnapshotter(root, make(dir));
  const results = new Map<number, DepthSummary>();
  try {
    let top: string | undefined;
    for (let depth = 1; depth <= Math.max(...depths); depth++) {
      const key = `layer-${depth}-active`;
      mountAll(await snapshotter.prepare(key, top), target);
      fs.writeFileSync(path.join(target, `layer-${depth}`), Buffer.alloc(LAYER_FILE_BYTES, depth % 256));
      unmountAll(target);
      await snapshotter.commit(`layer-${depth}`, key);
      top = `layer-${depth}`;
      if (!depths.includes(depth)) continue;
      process.stderr.write(`${name}: depth ${depth}, ${runs} runs after a warm-up\n`);
      const samples = new Map<Step, Sample[]>(STEPS.map((step) => [step, []]));
      for (let run = 0; run <= runs; run++) {
        const add = (step: Step, ms: number): void => {
          if (run > 0) samples.get(step)?.push({ ms, maxRssBytes: undefined });
        };
        const probe = `probe-${depth}-${run}`;
        const prepared = await timedAsync(() => snapshotter.prepare(probe, top));
        add('prepare', prepared.ms);
        add('mount', timed(() => mountAll(prepared.value, target)).ms);
        fs.writeFileSync(path.join(target, 'probe'), 'probe');
        add('unmount', timed(() => unmountAll(target)).ms);
        add('commit', (await timedAsync(() => snapshotter.commit(`${probe}-committed`, probe))).ms);
        await snapshotter.remove(`${probe}-committed`);
      }
      const s = (step: Step): Summary => summarize(samples.get(step) ?? []);
      results.set(depth, { prepare: s('prepare'), mount: s('mount'), unmount: s('unmount'), commit: s('commit') });
    }
    return results;
  } finally {
    unmountAll(target);
    await snapshotter.close();
    root.close();
  }
}

/** The table: per depth, prepare + mount of each driver, their ratio, and each driver's unmount. */
export function depthsReport(a: [string, Map<number, DepthSummary>], b: [string, Map<number, DepthSummary>]): string {
  const [nameA, da] = a;
  const [nameB, db] = b;
  const ms = (x: number): string => x.toFixed(2);
  const header = ['layers', `${nameA} prepare+mount`, `${nameB} prepare+mount`, `${nameB}/${nameA}`, `${nameA} unmount`, `${nameB} unmount`];
  const rows = [...da.keys()].map((depth) => {
    const sa = da.get(depth);
    const sb = db.get(depth);
    if (sa === undefined || sb === undefined) return [String(depth), '-', '-', '-', '-', '-'];
    const pa = sa.prepare.medianMs + sa.mount.medianMs;
    const pb = sb.prepare.medianMs + sb.mount.medianMs;
    return [String(depth), ms(pa), ms(pb), `${(pb / pa).toFixed(1)}x`, ms(sa.unmount.medianMs), ms(sb.unmount.medianMs)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return ['', '', 'chain depth: a fresh writable snapshot on N committed layers, medians in ms:', line(header), ...rows.map(line)].join('\n');
}
