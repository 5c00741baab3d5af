/**
 * bench/snapshots: aufs (on this host: fuse-overlayfs over aufs branches) against overlay2, side by
 * side in the same run (issue 4, "Proof": users should see what FUSE costs):
 *   node bench/snapshots/aufs-vs-overlay2.ts [--layers 16] [--files 2000] [--runs 10] [--depths 1,16,128]
 *                                            [--dir /dev/shm] [--json FILE] [--no-file-ops]
 *
 * Each driver gets its own root below one scratch dir and the same chain: `--layers` committed
 * layers that together hold `--files` files of 4 KiB in 20 directories, written through each
 * layer's own mount. Then, `--runs` rounds after a warm-up, drivers alternating which goes first:
 * - mount / unmount: of a fresh writable layer on the chain's top (the Mount data performed by the
 *   snapshotter's mount helper, as `snapshot mount` does; for aufs that starts fuse-overlayfs and,
 *   on unmount, waits for it to exit);
 * - cold read: every file's content through a fresh mount;
 * - metadata walk: readdir and lstat of the whole tree through a fresh mount;
 * - diff: the layer tar of a layer that adds 500 files, rewrites 100 and deletes 100;
 * - apply: that tar applied to a fresh layer on the same parent.
 * Then containerd's benchmark shape (file-ops-layers.ts, as run.ts runs it on overlay2) on each
 * driver through the Snapshotter: 16 layers of 1 MiB of file operations, steps timed apart; and
 * chain depth (aufs-depths.ts): prepare + mount of a snapshot on `--depths` committed layers.
 * Every mount below the scratch dir is taken off (FUSE servers waited for) and the dir removed at
 * the end, also on error.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { mountAll, openRoot, openSnapshotter, TMP_DIR, unmountAll, type Driver } from '@layerctl/snapshotter';
import { LayerctlError, mountPoints, UsageError } from '@layerctl/sys';
import { AufsDriver } from '@layerctl/drivers-aufs';
import { Overlay2Driver } from '@layerctl/drivers-overlay2';
import { summarize, type Sample, type Summary } from '../archive/measure.ts';
import { timed, timedAsync } from './bench-context.ts';
import { depthsOn, depthsReport, type DepthSummary } from './aufs-depths.ts';
import { fileOpsLayers, type FileOpsResult } from './file-ops-layers.ts';

const FILE_BYTES = 4096;
const DIRS = 20;
const DIFF_ADDS = 500;
const DIFF_REWRITES = 100;
const DIFF_DELETES = 100;
const RW = { readonly: false };
const STEPS = ['mount', 'unmount', 'cold read', 'metadata walk', 'diff', 'apply'] as const;
type Step = (typeof STEPS)[number];

interface Options {
  layers: number;
  files: number;
  runs: number;
  baseDir: string;
  json: string | undefined;
  fileOps: boolean;
  depths: number[];
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      layers: { type: 'string', default: '16' },
      files: { type: 'string', default: '2000' },
      runs: { type: 'string', default: '10' },
      dir: { type: 'string', default: '/dev/shm' },
      json: { type: 'string' },
      'no-file-ops': { type: 'boolean', default: false },
      depths: { type: 'string', default: '1,16,128' },
    },
  });
  const whole = (name: string, value: string, min: number): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} ${value}: a whole number of at least ${min}`);
    return n;
  };
  return { layers: whole('layers', values.layers, 1), files: whole('files', values.files, DIFF_REWRITES + DIFF_DELETES), runs: whole('runs', values.runs, 1), baseDir: values.dir, json: values.json, fileOps: !values['no-file-ops'], depths: values.depths.split(',').filter((d) => d !== '').map((d) => whole('depths', d, 1)) };
}

/** One driver on its root, with the chain built and the changed layer whose diff is measured. */
interface Subject {
  name: string;
  driver: Driver;
  root: string;
  top: string;
  target: string;
  samples: Map<Step, Sample[]>;
}

const DRIVERS: ReadonlyArray<[string, (root: string) => Driver]> = [
  ['overlay2', (root) => new Overlay2Driver({ root, tmpDir: path.join(root, TMP_DIR) })],
  ['aufs', (root) => new AufsDriver({ root, tmpDir: path.join(root, TMP_DIR) })],
];

const fileOf = (i: number): string => `d${i % DIRS}/f${i}`;

/** The chain: `files` files spread over `layers` layers, each written through the layer's own mount. */
async function buildChain(driver: Driver, opts: Options, content: Buffer): Promise<string> {
  let parent: string | undefined;
  for (let layer = 0; layer < opts.layers; layer++) {
    const id = `chain-${layer}`;
    await driver.create(id, parent, RW);
    const dir = await driver.mount(id);
    for (let d = 0; d < DIRS; d++) fs.mkdirSync(path.join(dir, `d${d}`), { recursive: true });
    for (let i = layer; i < opts.files; i += opts.layers) fs.writeFileSync(path.join(dir, fileOf(i)), content);
    await driver.unmount(id);
    parent = id;
  }
  if (parent === undefined) throw new UsageError('--layers must be at least 1');
  return parent;
}

/** The layer whose diff and apply are measured: adds, rewrites of lower files, deletions. */
async function buildChanged(driver: Driver, top: string, opts: Options, content: Buffer): Promise<void> {
  await driver.create('changed', top, RW);
  const dir = await driver.mount('changed');
  fs.mkdirSync(path.join(dir, 'new'));
  for (let i = 0; i < DIFF_ADDS; i++) fs.writeFileSync(path.join(dir, 'new', `f${i}`), content);
  for (let i = 0; i < DIFF_REWRITES; i++) fs.writeFileSync(path.join(dir, fileOf(i)), content.subarray(1));
  for (let i = DIFF_REWRITES; i < DIFF_REWRITES + DIFF_DELETES; i++) fs.rmSync(path.join(dir, fileOf(i)));
  await driver.unmount('changed');
}

function walk(dir: string): number {
  let entries = 0;
  for (const child of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, child.name);
    fs.lstatSync(full);
    entries++;
    if (child.isDirectory()) entries += walk(full);
  }
  return entries;
}

function readAll(dir: string, files: number): void {
  const hash = createHash('sha256');
  for (let i = 0; i < files; i++) hash.update(fs.readFileSync(path.join(dir, fileOf(i))));
}

/** One round of every step on one driver. */
async function round(s: Subject, opts: Options, tarFile: string, record: boolean): Promise<void> {
  const add = (step: Step, ms: number): void => {
    if (record) s.samples.get(step)?.push({ ms, maxRssBytes: undefined });
  };
  await s.driver.create('probe', s.top, RW);
  const mounts = s.driver.mounts('probe');
  add('mount', timed(() => mountAll(mounts, s.target)).ms);
  add('unmount', timed(() => unmountAll(s.target)).ms);
  mountAll(mounts, s.target);
  add('cold read', timed(() => readAll(s.target, opts.files)).ms);
  unmountAll(s.target);
  mountAll(mounts, s.target);
  add('metadata walk', timed(() => walk(s.target)).ms);
  unmountAll(s.target);
  await s.driver.remove('probe');

  add('diff', (await timedAsync(() => pipeline(s.driver.diff('changed', s.top), fs.createWriteStream(tarFile)))).ms);
  await s.driver.create('applied', s.top, RW);
  add('apply', (await timedAsync(() => s.driver.applyDiff('applied', s.top, fs.createReadStream(tarFile)))).ms);
  await s.driver.remove('applied');
}

function report(subjects: Subject[], opts: Options, load: { start: number[]; end: number[] }, statusLines: string[]): string {
  const fmt = (x: Summary): string => `${x.medianMs.toFixed(2)} (${x.minMs.toFixed(2)}-${x.maxMs.toFixed(2)})`;
  const [a, b] = subjects;
  if (a === undefined || b === undefined) return '';
  const rows = STEPS.map((step) => {
    const sa = summarize(a.samples.get(step) ?? []);
    const sb = summarize(b.samples.get(step) ?? []);
    return [step, fmt(sa), fmt(sb), `${(sb.medianMs / sa.medianMs).toFixed(2)}x`];
  });
  const header = ['step', a.name, b.name, `${b.name}/${a.name}`];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [
    `machine: ${os.availableParallelism()} CPUs (${os.cpus()[0]?.model ?? '?'}), Linux ${os.release()}, Node ${process.versions.node}`,
    ...statusLines,
    `load average at start: ${load.start.map((x) => x.toFixed(2)).join(' ')}, at end: ${load.end.map((x) => x.toFixed(2)).join(' ')}`,
    `chain: ${opts.layers} layers holding ${opts.files} files of ${FILE_BYTES / 1024} KiB in ${DIRS} dirs; diff/apply: a layer adding ${DIFF_ADDS}, rewriting ${DIFF_REWRITES}, deleting ${DIFF_DELETES} files`,
    `${opts.runs} measured rounds after a warm-up, drivers alternating; times in ms: median (min-max)`,
    '',
    line(header),
    ...rows.map(line),
  ].join('\n');
}

const SHAPE_STEPS = ['prepare', 'mount', 'write', 'unmount', 'commit'] as const;

/** containerd's shape on one driver, through a Snapshotter on a root of its own below the work dir. */
async function fileOpsOn(name: string, make: (root: string) => Driver, workDir: string, runs: number): Promise<FileOpsResult> {
  const dir = path.join(workDir, `${name}-shape`);
  const root = openRoot(dir);
  const snapshotter = await openSnapshotter(root, make(dir));
  try {
    return await fileOpsLayers({ snapshotter, workDir: dir, signal: new AbortController().signal }, runs, (line) => process.stderr.write(`${name}: ${line}\n`));
  } finally {
    await snapshotter.close();
    root.close();
  }
}

function shapeReport(shapes: Array<[string, FileOpsResult]>): string {
  const fmt = (x: Summary): string => `${x.medianMs.toFixed(2)} (${x.minMs.toFixed(2)}-${x.maxMs.toFixed(2)})`;
  const rows = shapes.map(([name, r]) => [name, ...SHAPE_STEPS.map((step) => fmt(r[step]))]);
  const header = ['driver', ...SHAPE_STEPS];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const first = shapes[0]?.[1];
  return ['', '', `containerd shape: ${first?.layers ?? 0} layers, each ${(first?.bytesPerLayer ?? 0) / 1024} KiB of file operations; per layer, ms:`, line(header), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const opts = parseOptions();
  const workDir = fs.mkdtempSync(path.join(path.resolve(opts.baseDir), 'layerctl-bench-aufs-'));
  const content = Buffer.alloc(FILE_BYTES, 'x');
  const subjects: Subject[] = [];
  try {
    for (const [name, make] of DRIVERS) {
      const root = path.join(workDir, name);
      const target = path.join(workDir, `${name}-mnt`);
      fs.mkdirSync(root);
      fs.mkdirSync(target);
      const driver = make(root);
      await driver.init();
      process.stderr.write(`${name}: building ${opts.layers} layers of ${opts.files} files\n`);
      const top = await buildChain(driver, opts, content);
      await buildChanged(driver, top, opts, content);
      subjects.push({ name, driver, root, top, target, samples: new Map(STEPS.map((step) => [step, []])) });
    }
    const start = os.loadavg();
    for (let r = 0; r <= opts.runs; r++) {
      const order = r % 2 === 0 ? subjects : [...subjects].reverse();
      for (const s of order) await round(s, opts, path.join(workDir, `${s.name}.tar`), r > 0);
      process.stderr.write(`round ${r}/${opts.runs}\n`);
    }
    const statusLines = subjects.map((s) => `${s.name}: ${s.driver.status().filter(([k]) => k === 'Mount path' || k === 'Mount API' || k === 'Backing Filesystem').map(([k, v]) => `${k} ${v}`).join('; ')}`);
    const shapes: Array<[string, FileOpsResult]> = [];
    if (opts.fileOps) for (const [name, make] of DRIVERS) shapes.push([name, await fileOpsOn(name, make, workDir, opts.runs)]);
    const depths: Array<[string, Map<number, DepthSummary>]> = [];
    if (opts.depths.length > 0) for (const [name, make] of DRIVERS) depths.push([name, await depthsOn(name, make, workDir, opts.depths, opts.runs)]);
    const [depthsA, depthsB] = depths;
    const text =
      report(subjects, opts, { start, end: os.loadavg() }, statusLines) +
      (shapes.length > 0 ? shapeReport(shapes) : '') +
      (depthsA !== undefined && depthsB !== undefined ? depthsReport(depthsA, depthsB) : '');
    process.stdout.write(`${text}\n`);
    if (opts.json !== undefined) {
      const json = Object.fromEntries(subjects.map((s) => [s.name, Object.fromEntries(STEPS.map((step) => [step, summarize(s.samples.get(step) ?? [])]))]));
      fs.writeFileSync(opts.json, `${JSON.stringify({ date: new Date().toISOString(), opts, results: json, containerdShape: Object.fromEntries(shapes), depths: Object.fromEntries(depths.map(([name, byDepth]) => [name, Object.fromEntries(byDepth)])) }, null, 2)}\n`);
    }
  } finally {
    for (const point of mountPoints().filter((m) => m.startsWith(`${workDir}/`)).reverse()) unmountAll(point);
    for (const s of subjects) await s.driver.close();
    const left = mountPoints().filter((m) => m.startsWith(`${workDir}/`));
    if (left.length > 0) throw new LayerctlError(`bench cleanup: ${left.length} mounts still below ${workDir}; the dir is left in place`);
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

await main();
