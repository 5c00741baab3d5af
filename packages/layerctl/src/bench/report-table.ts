import type { BenchReport, Figure } from './bench-report.ts';

/**
 * The terminal form of a report: the machine, each workload with its parameters, then per
 * filesystem a table with a row per figure and a column per driver, "median (min-max)" in ms.
 */
export function reportTable(report: BenchReport): string {
  const m = report.machine;
  const load = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');
  const lines = [
    `layerctl bench drivers${report.quick ? ' --quick' : ''}, ${report.date}`,
    `machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB.toFixed(0)} GiB RAM, Linux ${m.kernel}, Node ${m.node}; load average ${load(m.loadAverageStart)} at start, ${load(m.loadAverageEnd)} at end`,
    'times in ms: median (min-max) of the runs after the warm-up; "cold": page cache dropped before each run',
    '',
    'workloads:',
    ...report.workloads.map((w) => `  ${w.name}: ${w.description}`),
    '',
  ];
  for (const filesystem of report.filesystems) {
    lines.push(`${filesystem.name}: ${filesystem.detail}`);
    const runs = report.drivers.filter((d) => d.filesystem === filesystem.name);
    for (const d of runs.filter((r) => !r.available)) lines.push(`  ${d.driver}: not measured: ${d.detail}`);
    const measured = runs.filter((r) => r.available).map((r) => r.driver);
    const figures = report.figures.filter((f) => f.filesystem === filesystem.name);
    const rows = uniqueRows(figures).map((row) => [row.label, ...measured.map((driver) => cell(figures.find((f) => f.driver === driver && rowKey(f) === row.key)))]);
    lines.push(...table([['workload', ...measured], ...rows]).map((line) => `  ${line}`));
    for (const failure of report.failures.filter((f) => f.filesystem === filesystem.name)) lines.push(`  FAILED ${failure.driver} ${failure.workload}: ${failure.error}`);
    lines.push('');
  }
  lines.push(`cleanup: ${report.cleanup}`);
  return lines.join('\n');
}

/** The label of a figure's row: workload, case, what is timed, and whether cold. */
export function rowLabel(f: Pick<Figure, 'workload' | 'variant' | 'metric' | 'cold'>): string {
  return [f.workload, f.variant, f.metric === '' ? '' : `(${f.metric}${f.cold ? ', cold' : ''})`].filter((part) => part !== '').join(' ');
}

function rowKey(f: Figure): string {
  return JSON.stringify([f.workload, f.variant, f.metric, f.cold]);
}

function uniqueRows(figures: Figure[]): Array<{ key: string; label: string }> {
  const seen = new Map<string, string>();
  for (const f of figures) if (!seen.has(rowKey(f))) seen.set(rowKey(f), rowLabel(f));
  return [...seen].map(([key, label]) => ({ key, label }));
}

function cell(f: Figure | undefined): string {
  return f === undefined ? '-' : `${ms(f.medianMs)} (${ms(f.minMs)}-${ms(f.maxMs)})`;
}

/** Three significant digits, at least two decimals below 1 ms. */
export function ms(value: number): string {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  if (value >= 1) return value.toFixed(2);
  return value.toFixed(value >= 0.01 ? 3 : 4);
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
}
