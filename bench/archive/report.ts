import type { HostFacts } from '@layerctl/layerctl/host-facts';
import type { Summary } from './measure.ts';
import type { ZstdImplementation } from './zstd-implementations.ts';

/** The issue's goals (issue 2, "Proof"): at least this fraction of the pipelines' speed, under this peak RSS. */
export const SPEED_GOAL = 0.8;
/** Decimal megabytes, as the goal is written: the stricter reading (200 MB is 190.7 MiB). */
export const MB = 1_000_000;
export const MEMORY_GOAL_BYTES = 200 * MB;

export interface Workload {
  name: string;
  /** The shell pipeline ours is measured against. */
  baselineScript: string;
  baseline: Summary;
  ours: OursResult[];
}

export interface OursResult {
  zstd: ZstdImplementation;
  /** Whether this is what layerctl itself runs (the goals are judged on these). */
  product: boolean;
  summary: Summary;
  /** baseline time / ours time: ours' speed as a fraction of the baseline's. */
  speedRatio: number;
  meetsSpeed: boolean;
  meetsMemory: boolean;
}

export interface MachineFacts extends HostFacts {
  fsType: string;
  workDir: string;
  tools: string[];
  loadAverageStart: number[];
  loadAverageEnd?: number[];
}

export interface TreeFacts {
  bytes: number;
  files: number;
  dirs: number;
  links: number;
  tarBytes: number;
  blobBytesByLevel: Record<string, number>;
}

const MiB = 1024 * 1024;

export function oursResult(zstd: ZstdImplementation, product: boolean, summary: Summary, baseline: Summary): OursResult {
  const speedRatio = baseline.medianMs / summary.medianMs;
  return {
    zstd,
    product,
    summary,
    speedRatio,
    meetsSpeed: speedRatio >= SPEED_GOAL,
    meetsMemory: summary.maxRssBytes !== undefined && summary.maxRssBytes < MEMORY_GOAL_BYTES,
  };
}

export function formatReport(machine: MachineFacts, tree: TreeFacts, runs: number, workloads: Workload[]): string {
  const lines: string[] = [];
  lines.push(
    `machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB.toFixed(0)} GiB RAM, Linux ${machine.kernel}, Node ${machine.node}`,
    `work dir: ${machine.workDir} (${machine.fsType}); tools: ${machine.tools.join('; ')}`,
    `load average at start: ${machine.loadAverageStart.map((l) => l.toFixed(2)).join(' ')}` +
      (machine.loadAverageEnd === undefined ? '' : `, at end: ${machine.loadAverageEnd.map((l) => l.toFixed(2)).join(' ')}`),
    `tree: ${mib(tree.bytes)} in ${tree.files} files, ${tree.dirs} dirs, ${tree.links} links; tar ${mib(tree.tarBytes)}; ` +
      `zstd blob ${Object.entries(tree.blobBytesByLevel)
        .map(([level, bytes]) => `${level}: ${mib(bytes)} (${((100 * bytes) / tree.tarBytes).toFixed(0)}%)`)
        .join(', ')}`,
    `${runs} measured runs each after a warm-up; times are median (min-max); MiB/s are of the tree's content bytes; MB = 10^6 bytes;`,
    'CPU: median seconds of CPU time of our process (of its main thread) and of the pipeline\'s processes together',
    '',
  );
  const header = ['workload', 'ours', 'ours median', 'baseline median', 'speed vs baseline', 'CPU ours (main) / baseline', 'ours peak RSS', '(at start / JS heap / Buffers)'];
  const rows: string[][] = [];
  for (const w of workloads) {
    for (const o of w.ours) {
      rows.push([
        w.name,
        `${o.zstd}${o.product ? '' : ' (alt)'}`,
        timing(o.summary, tree.bytes),
        timing(w.baseline, tree.bytes),
        `${o.speedRatio.toFixed(2)}x`,
        cpu(o.summary, w.baseline),
        o.summary.maxRssBytes === undefined ? '-' : `${(o.summary.maxRssBytes / MB).toFixed(0)} MB`,
        [o.summary.startRssBytes, o.summary.heapUsedBytes, o.summary.arrayBuffersBytes].map((b) => (b === undefined ? '-' : (b / MB).toFixed(0))).join(' / '),
      ]);
    }
  }
  lines.push(...table([header, ...rows]), '', 'baselines:');
  for (const w of workloads) lines.push(`  ${w.name}: ${w.baselineScript}`);
  lines.push('', 'goals (layerctl\'s own path, zstd-napi):');
  for (const w of workloads) {
    for (const o of w.ours.filter((r) => r.product)) {
      lines.push(
        `  ${w.name}: speed ${o.speedRatio.toFixed(2)}x ${o.meetsSpeed ? '>=' : '<'} ${SPEED_GOAL}x: ${o.meetsSpeed ? 'met' : 'NOT met'}; ` +
          `peak ${((o.summary.maxRssBytes ?? 0) / MB).toFixed(1)} MB ${o.meetsMemory ? '<' : '>='} ${MEMORY_GOAL_BYTES / MB} MB: ${o.meetsMemory ? 'met' : 'NOT met'}`,
      );
    }
  }
  return lines.join('\n');
}

function timing(s: Summary, bytes: number): string {
  const secs = (ms: number): string => (ms / 1000).toFixed(2);
  return `${secs(s.medianMs)} s (${secs(s.minMs)}-${secs(s.maxMs)}) ${(bytes / MiB / (s.medianMs / 1000)).toFixed(0)} MiB/s`;
}

/** Median CPU seconds: ours (its main thread's) / the baseline pipeline's. */
function cpu(ours: Summary, baseline: Summary): string {
  const secs = (ms: number | undefined): string => (ms === undefined ? '-' : (ms / 1000).toFixed(2));
  return `${secs(ours.medianCpuMs)} (${secs(ours.medianMainThreadCpuMs)}) / ${secs(baseline.medianCpuMs)} s`;
}

function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
}
