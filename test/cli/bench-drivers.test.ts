import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { attachedLoops } from '@layerctl/sys';
import { mountPoints, scratchDir } from '@layerctl/sys/testing';
import { type BenchReport, parseBenchReport } from '../../packages/layerctl/src/bench/bench-report.ts';
import { DRIVERS } from '../../packages/layerctl/src/global-options.ts';
import { LAYERCTL_BIN, runLayerctl } from './run-layerctl.ts';

/** Small loop filesystems: sparse, so only what the workloads write takes memory on /dev/shm. */
const LOOP_SIZE = '3G';

/** Every mount and loop device at or below `dir`, and whatever files are left in it. */
function leftovers(dir: string): string[] {
  const below = (p: string): boolean => p === dir || p.startsWith(`${dir}/`);
  return [
    ...mountPoints().filter(below).map((p) => `mount ${p}`),
    ...attachedLoops()
      .filter((l) => below(l.backingFile.replace(/ \(deleted\)$/, '')))
      .map((l) => `/dev/loop${l.number} on ${l.backingFile}`),
    ...fs.readdirSync(dir).map((name) => `file ${name}`),
  ];
}

/** Drivers this layerctl ships (a driver announced for a later issue is reported as not available, with that reason). */
function shipped(report: BenchReport, filesystem: string): string[] {
  return report.drivers.filter((d) => d.filesystem === filesystem && !/not available yet/.test(d.detail)).map((d) => d.driver);
}

/**
 * The page as headless Chromium (Debian's package) has read and run it: its DOM after load, in a
 * fresh profile that is removed again. The flags keep it off the network and off the GPU.
 */
function renderedDom(scratch: string, file: string): string {
  const profile = fs.mkdtempSync(path.join(scratch, 'chromium-'));
  try {
    const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'];
    return execFileSync('chromium', [...flags, `--user-data-dir=${profile}`, '--dump-dom', `file://${file}`], { encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'ignore'] });
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

function checkRenderedReport(t: ExecutionContext, report: BenchReport, dom: string): void {
  const charts = new Set(report.figures.map((f) => JSON.stringify([f.workload, f.variant, f.metric, f.cold]))).size;
  // The page's own script counted what the browser built: a chart per figure row, a bar per figure.
  t.regex(dom, new RegExp(`<body[^>]* data-charts="${charts}"`));
  t.regex(dom, new RegExp(`<body[^>]* data-bars="${report.figures.length}"`));
  for (const workload of report.workloads) t.true(dom.includes(`data-workload="${workload.name}"`), `no section for ${workload.name}`);
  for (const f of report.figures) t.true(dom.includes(`data-driver="${f.driver}" data-filesystem="${f.filesystem}" data-median-ms="${f.medianMs}"`), `no bar for ${f.driver}/${f.filesystem} ${f.workload}`);
  // Self-contained: nothing for the browser to fetch.
  t.notRegex(dom, /\b(?:src|href)="(?:https?:)?\/\//);
  t.notRegex(dom, /<link\b/);
}

function checkEveryFigure(t: ExecutionContext, report: BenchReport, filesystem: string): void {
  const drivers = shipped(report, filesystem);
  t.true(drivers.includes('overlay2') && drivers.includes('devmapper'), `${filesystem}: measured ${drivers.join(', ')}`);
  for (const driver of drivers) {
    const run = report.drivers.find((d) => d.filesystem === filesystem && d.driver === driver);
    t.true(run?.available, `${driver} on ${filesystem}: ${run?.detail}`);
    for (const workload of report.workloads) {
      const figures = report.figures.filter((f) => f.filesystem === filesystem && f.driver === driver && f.workload === workload.name);
      t.true(figures.length > 0, `${workload.name} has no figure for ${driver} on ${filesystem}`);
      for (const f of figures) t.true(f.medianMs > 0 && f.runs >= 2, `${workload.name} ${f.variant} ${f.metric} on ${driver}/${filesystem}: ${f.medianMs} ms over ${f.runs} runs`);
    }
  }
}

/**
 * One bench per filesystem kind, run side by side (ava runs a file's tests concurrently): each
 * finishes in half the time of one run over both, well inside ava's inactivity timeout on a
 * loaded machine. The xfs run also writes the --report page, which headless Chromium reads.
 */
for (const filesystem of ['ext4', 'xfs'] as const) {
  const withReport = filesystem === 'xfs';
  const title = `bench drivers --quick --json on an ${filesystem} loop filesystem: every workload has a figure for every shipped driver, and no mount, loop device or file is left` +
    (withReport ? '; the --report page renders a chart per figure in headless Chromium' : '');
  test(title, async (t) => {
    const scratch = scratchDir(t);
    const html = path.join(scratchDir(t), 'report.html');
    const result = await runLayerctl(['bench', 'drivers', '--quick', '--json', ...(withReport ? ['--report', html] : []), '--fs', filesystem, '--scratch', scratch, '--loop-size', LOOP_SIZE]);
    t.is(result.code, 0, result.stderr.slice(-3000));
    const report = parseBenchReport(JSON.parse(result.stdout));
    t.deepEqual(report.failures, []);
    t.deepEqual(report.filesystems.map((f) => f.name), [filesystem]);
    t.deepEqual([...new Set(report.drivers.map((d) => d.driver))].sort(), [...DRIVERS].sort());
    t.true(report.workloads.length >= 13);
    checkEveryFigure(t, report, filesystem);
    t.true(report.figures.some((f) => f.cold), 'the cold figures (copy-up, metadata walk) are marked cold');
    // The progress lines name the filesystem, the driver and the workload, with how far along.
    t.regex(result.stderr, new RegExp(`\\[${filesystem} 1/1 · devmapper \\d/\\d · DiffN 4/\\d+\\]`));
    t.deepEqual(leftovers(scratch), []);
    if (withReport) checkRenderedReport(t, report, renderedDom(path.dirname(html), html));
  });
}

test('Ctrl-C during bench drivers stops it and takes down its loop filesystem, mounts and files', async (t) => {
  const scratch = scratchDir(t);
  const child = spawn(process.execPath, [LAYERCTL_BIN, 'bench', 'drivers', '--quick', '--driver', 'overlay2', '--fs', 'xfs', '--scratch', scratch, '--loop-size', LOOP_SIZE], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve) => {
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      // Interrupted in the middle of a workload: layers made, a loop filesystem mounted.
      if (/DiffN 10\/1000\b/.test(stderr)) resolve();
    });
    child.on('close', () => resolve());
  });
  t.true(mountPoints().some((p) => p.startsWith(`${scratch}/`)), 'the bench had its filesystem mounted when interrupted');
  child.kill('SIGINT');
  const code = await exited;
  t.not(code, 0, stderr);
  t.regex(stderr, /SIGINT/);
  t.deepEqual(leftovers(scratch), []);
});
