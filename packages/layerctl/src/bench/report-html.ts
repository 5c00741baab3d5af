import type { BenchReport, Figure } from './bench-report.ts';
import { ms, rowLabel } from './report-table.ts';

/**
 * The report as one HTML file that opens without a network: inline CSS, one inline SVG chart
 * per figure row (each driver's bars side by side, one bar per filesystem, the whisker from min
 * to max), the figures as a table, and the machine and method. A few lines of inline script
 * count the charts into <body data-charts>, so a headless browser's DOM shows they were read.
 */

/** One colour per filesystem, in the order the report lists them. */
const FS_COLOURS = ['#3b6ea8', '#d08a2e', '#4e9a5b', '#a0456e'];
const BAR_HEIGHT = 16;
const BAR_GAP = 6;
const LABEL_WIDTH = 170;
const PLOT_WIDTH = 460;
const VALUE_WIDTH = 200;

export function reportHtml(report: BenchReport): string {
  const rows = chartRows(report.figures);
  const colour = (filesystem: string): string => FS_COLOURS[report.filesystems.findIndex((f) => f.name === filesystem) % FS_COLOURS.length] ?? FS_COLOURS[0] ?? '#000';
  const m = report.machine;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>layerctl bench drivers</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:980px;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}h3{font-size:1em;margin:1.4em 0 .3em}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ddd;padding:2px 6px;text-align:left}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
.muted{color:#666}svg text{font:11px system-ui,sans-serif}
</style></head>
<body>
<h1>layerctl bench drivers${report.quick ? ' (--quick)' : ''}</h1>
<p class="muted">${esc(report.date)} · ${m.cpus} CPUs (${esc(m.cpuModel)}), ${m.memoryGiB.toFixed(0)} GiB RAM, Linux ${esc(m.kernel)}, Node ${esc(m.node)} ·
load average ${m.loadAverageStart.map((x) => x.toFixed(2)).join(' ')} at start, ${m.loadAverageEnd.map((x) => x.toFixed(2)).join(' ')} at end</p>
<p>Times in milliseconds: the bar is the median of the measured runs (after warm-up), the whisker spans min to max. "cold": page cache dropped before each run. Shorter is better.</p>
<p class="legend">${report.filesystems.map((f) => `<span style="background:${colour(f.name)}"></span>${esc(f.name)}`).join('')}</p>
<h2>Filesystems and drivers</h2>
<ul>${report.filesystems.map((f) => `<li><b>${esc(f.name)}</b>: ${esc(f.detail)}</li>`).join('')}</ul>
<table><tr><th>filesystem</th><th>driver</th><th>measured</th><th>status</th></tr>
${report.drivers.map((d) => `<tr><td>${esc(d.filesystem)}</td><td>${esc(d.driver)}</td><td>${d.available ? 'yes' : `no: ${esc(d.detail)}`}</td><td>${d.status.map(([k, v]) => `${esc(k)}: ${esc(v)}`).join('<br>')}</td></tr>`).join('\n')}
</table>
${report.failures.length === 0 ? '' : `<h2>Failures</h2><ul>${report.failures.map((f) => `<li>${esc(f.driver)} on ${esc(f.filesystem)}, ${esc(f.workload)}: ${esc(f.error)}</li>`).join('')}</ul>`}
${report.workloads
  .map((w) => {
    const charts = rows.filter((r) => r.workload === w.name);
    return `<section class="workload" data-workload="${esc(w.name)}"><h2>${esc(w.name)}</h2><p>${esc(w.description)}</p>
${charts.map((r) => `<h3>${esc(r.label)}</h3>\n${chart(r.figures, colour)}`).join('\n')}</section>`;
  })
  .join('\n')}
<h2>All figures</h2>
<table><tr><th>filesystem</th><th>driver</th><th>figure</th><th>median</th><th>min</th><th>max</th><th>runs</th><th>warm-ups</th></tr>
${report.figures.map((f) => `<tr><td>${esc(f.filesystem)}</td><td>${esc(f.driver)}</td><td>${esc(rowLabel(f))}</td><td>${ms(f.medianMs)}</td><td>${ms(f.minMs)}</td><td>${ms(f.maxMs)}</td><td>${f.runs}</td><td>${f.warmups}</td></tr>`).join('\n')}
</table>
<p class="muted">cleanup: ${esc(report.cleanup)}</p>
<script>document.body.dataset.charts=String(document.querySelectorAll('svg.chart').length);document.body.dataset.bars=String(document.querySelectorAll('svg.chart rect.bar').length);</script>
</body></html>
`;
}

interface ChartRow {
  workload: string;
  label: string;
  figures: Figure[];
}

/** The figures grouped into one chart per workload, case, metric and coldness. */
function chartRows(figures: readonly Figure[]): ChartRow[] {
  const rows = new Map<string, ChartRow>();
  for (const f of figures) {
    const key = JSON.stringify([f.workload, f.variant, f.metric, f.cold]);
    const row = rows.get(key) ?? { workload: f.workload, label: rowLabel(f), figures: [] };
    row.figures.push(f);
    rows.set(key, row);
  }
  return [...rows.values()];
}

/** Horizontal bars, grouped by driver, one per filesystem, on a scale from 0 to the largest max. */
function chart(figures: readonly Figure[], colour: (filesystem: string) => string): string {
  const drivers = [...new Set(figures.map((f) => f.driver))];
  const top = Math.max(...figures.map((f) => f.maxMs)) || 1;
  const x = (value: number): number => LABEL_WIDTH + (value / top) * PLOT_WIDTH;
  const parts: string[] = [];
  let y = BAR_GAP;
  for (const driver of drivers) {
    const own = figures.filter((f) => f.driver === driver);
    parts.push(`<text x="0" y="${y + BAR_HEIGHT * 0.8}" font-weight="bold">${esc(driver)}</text>`);
    for (const f of own) {
      const mid = y + BAR_HEIGHT / 2;
      parts.push(
        `<text x="${LABEL_WIDTH - 6}" y="${y + BAR_HEIGHT * 0.8}" text-anchor="end">${esc(f.filesystem)}</text>`,
        `<rect class="bar" data-driver="${esc(f.driver)}" data-filesystem="${esc(f.filesystem)}" data-median-ms="${f.medianMs}" x="${LABEL_WIDTH}" y="${y}" width="${Math.max(1, x(f.medianMs) - LABEL_WIDTH).toFixed(1)}" height="${BAR_HEIGHT}" fill="${colour(f.filesystem)}"><title>${esc(`${f.driver} on ${f.filesystem}: ${ms(f.medianMs)} ms (${ms(f.minMs)}-${ms(f.maxMs)})`)}</title></rect>`,
        `<line x1="${x(f.minMs).toFixed(1)}" x2="${x(f.maxMs).toFixed(1)}" y1="${mid}" y2="${mid}" stroke="#222"/>`,
        `<line x1="${x(f.minMs).toFixed(1)}" x2="${x(f.minMs).toFixed(1)}" y1="${mid - 4}" y2="${mid + 4}" stroke="#222"/>`,
        `<line x1="${x(f.maxMs).toFixed(1)}" x2="${x(f.maxMs).toFixed(1)}" y1="${mid - 4}" y2="${mid + 4}" stroke="#222"/>`,
        `<text x="${LABEL_WIDTH + PLOT_WIDTH + 8}" y="${y + BAR_HEIGHT * 0.8}">${ms(f.medianMs)} ms (${ms(f.minMs)}-${ms(f.maxMs)})</text>`,
      );
      y += BAR_HEIGHT + BAR_GAP;
    }
    y += BAR_GAP;
  }
  const width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH;
  return `<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" role="img">${parts.join('')}</svg>`;
}

/** Text for HTML content and attribute values. */
function esc(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}
