import type { Summary } from '../archive/measure.ts';
import type { MachineFacts as ArchiveMachineFacts } from '../archive/report.ts';
import { type ChainDepths, type DepthResult, GOAL_FACTOR, GOAL_SLACK_MS } from './chain-depth.ts';
import type { FileOpsResult } from './file-ops-layers.ts';

/** The archive bench's machine facts, with the overlay2 driver's status() (as `layerctl info` shows it) in place of its tools. */
export type MachineFacts = Omit<ArchiveMachineFacts, 'tools'> & { driver: Record<string, string> };

export interface BenchResult {
  date: string;
  machine: MachineFacts;
  runs: number;
  depths: ChainDepths;
  fileOps: FileOpsResult | undefined;
  cleanup: string;
}

/** The depth the goal of issue 3 is stated at. */
export const GOAL_LAYERS = 128;

export function formatReport(result: BenchResult): string {
  const { machine: m } = result;
  const load = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');
  const lines = [
    `machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB.toFixed(0)} GiB RAM, Linux ${m.kernel}, Node ${m.node}`,
    `scratch: ${m.workDir} (${m.fsType}); overlay2: ${m.driver['Mount API'] ?? '?'}; native diff ${m.driver['Native Overlay Diff'] ?? '?'}; ` +
      `redirect_dir ${m.driver.redirect_dir ?? '?'}, metacopy ${m.driver.metacopy ?? '?'}`,
    `load average at start: ${load(m.loadAverageStart)}` + (m.loadAverageEnd === undefined ? '' : `, at end: ${load(m.loadAverageEnd)}`),
    `${result.runs} measured runs each after a warm-up; times in ms: median (min-max)`,
    '',
  ];
  const { results: depths, refused } = result.depths;
  if (depths.length > 0 || refused !== undefined) {
    lines.push(
      'chain depth: a fresh active snapshot on a chain of N committed layers (an overlay of N lower dirs and an upper dir);',
      'bare: the same lower dirs and options, an upper and work dir of its own, mounted with @layerctl/sys calls alone',
      ...table([
        ['layers', 'prepare', 'mount', 'unmount', 'commit', 'bare mount', 'bare unmount', '(prepare+mount)/bare', 'goal'],
        ...depths.map((d) => [
          String(d.layers),
          timing(d.prepare),
          timing(d.mount),
          timing(d.unmount),
          timing(d.commit),
          timing(d.bareMount),
          timing(d.bareUnmount),
          `${d.ratio.toFixed(2)}x`,
          `${d.oursMs.toFixed(2)} <= ${d.limitMs.toFixed(2)}: ${d.met ? 'MET' : 'MISSED'}`,
        ]),
      ]),
      ...(refused === undefined ? [] : [`chain depth ${refused.layers} and deeper: not measured, the driver refused it: ${refused.reason}`]),
      '',
    );
  }
  if (result.fileOps !== undefined) {
    const f = result.fileOps;
    lines.push(
      `containerd shape: ${f.layers} layers, each ${f.bytesPerLayer / 1024} KiB of file operations (3 new files, a lower file rewritten, one deleted); per layer:`,
      ...table([
        ['prepare', 'mount', 'write', 'unmount', 'commit'],
        [timing(f.prepare), timing(f.mount), timing(f.write), timing(f.unmount), timing(f.commit)],
      ]),
      '',
    );
  }
  lines.push(goalLine(depths), `cleanup: ${result.cleanup}`);
  return lines.join('\n');
}

function goalLine(depths: DepthResult[]): string {
  const d = depths.find((r) => r.layers === GOAL_LAYERS);
  const goal = `prepare + mount of a ${GOAL_LAYERS}-layer snapshot within ${GOAL_FACTOR}x the bare mount + ${GOAL_SLACK_MS} ms`;
  if (d === undefined) return `goal (${goal}): not measured (--layers lacks ${GOAL_LAYERS})`;
  return (
    `goal (${goal}): ${d.prepare.medianMs.toFixed(2)} + ${d.mount.medianMs.toFixed(2)} = ${d.oursMs.toFixed(2)} ms ` +
    `against ${GOAL_FACTOR} x ${d.bareMount.medianMs.toFixed(2)} + ${GOAL_SLACK_MS} = ${d.limitMs.toFixed(2)} ms ` +
    `(ratio to bare ${d.ratio.toFixed(2)}x): ${d.met ? 'MET' : 'MISSED'}`
  );
}

function timing(s: Summary): string {
  return `${s.medianMs.toFixed(2)} (${s.minMs.toFixed(2)}-${s.maxMs.toFixed(2)})`;
}

/** Columns padded to their widest cell, numbers and text alike left-aligned. */
function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
}
