import type { BenchReport } from './bench-report.ts';

/** Placeholder until the HTML report lands. */
export function reportHtml(report: BenchReport): string {
  return `<!doctype html><title>layerctl bench</title><pre>${JSON.stringify(report)}</pre>`;
}
