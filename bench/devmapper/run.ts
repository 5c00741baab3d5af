/**
 * bench/devmapper: what a devmapper snapshot costs as the data under it grows (issue 5, "Proof"):
 *   node bench/devmapper/run.ts [--sizes 50M,500M,5G] [--runs 15] [--dir /var/tmp] [--json FILE]
 *
 * For each size, a base layer holding that much data (written as 64 MiB files of incompressible
 * bytes), then `runs` snapshots of it (driver.create, each removed again), timed one by one; and,
 * in the same run, a plain copy of the same files (cp -a --reflink=never) into the same pool
 * filesystem. Goal: snapshot time flat (the slowest size within 2x of the fastest) and under
 * 50 ms at 5 GiB. Devices are sparse and the pool is a sparse XFS (reflink=1) file on --dir (the
 * disk by default: 5 GiB twice over would crowd a tmpfs), given to the driver as
 * devmapper.pool_dir; the driver's root is on tmpfs. Everything is removed at the end, on error
 * and on Ctrl-C.
 */
import { execFileSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { TMP_DIR } from '@layerctl/snapshotter';
import { attachLoop, cloneFile, mount, umount2 } from '@layerctl/sys';
import { DevmapperDriver } from '@layerctl/drivers-devmapper';
import { parseSize } from '../../packages/drivers-devmapper/src/options.ts';

const GOAL_FLAT = 2;
const GOAL_MS_AT_LARGEST = 50;
const FILE_BYTES = 64 * 1024 * 1024;
const CHUNK = 4 * 1024 * 1024;

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '50M,500M,5G' },
    runs: { type: 'string', default: '15' },
    dir: { type: 'string', default: '/var/tmp' },
    json: { type: 'string' },
  },
});
const sizes = values.sizes.split(',').map((s) => ({ label: s, bytes: parseSize('--sizes', s) }));
const runs = Number(values.runs);
const largest = Math.max(...sizes.map((s) => s.bytes));

// The pool (the data) on --dir; the driver's root (its SQLite state) on tmpfs, as a root on a
// fast device would be: a disk busy writing back gigabytes makes each fsync of the state take
// 2-40 ms, which would measure the disk's queue rather than the snapshot.
const poolHome = fs.mkdtempSync(path.join(values.dir, 'layerctl-bench-devmapper-'));
const root = fs.mkdtempSync('/dev/shm/layerctl-bench-devmapper-');
const poolDir = path.join(poolHome, 'pool');
let poolMounted = false;
const driver = new DevmapperDriver({
  root,
  tmpDir: path.join(root, TMP_DIR),
  options: { 'devmapper.backend': 'reflink', 'devmapper.pool_dir': path.join(poolDir, 'layers'), 'devmapper.basesize': `${Math.ceil((largest * 1.2) / 1024 ** 3) + 1}G` },
});

/** A sparse XFS (reflink=1) file on --dir, loop-mounted: the pool. */
function makePool(): void {
  const image = path.join(poolHome, 'pool.img');
  fs.writeFileSync(image, '');
  fs.truncateSync(image, (Math.ceil((largest * 3) / 1024 ** 3) + 8) * 1024 ** 3);
  execFileSync('mkfs.xfs', ['-q', '-f', '-m', 'reflink=1', image]);
  fs.mkdirSync(poolDir);
  const loop = attachLoop(image, { autoclear: true, directIo: true });
  try {
    mount(loop.path, poolDir, 'xfs', 0);
    poolMounted = true;
  } finally {
    fs.closeSync(loop.fd);
  }
  fs.mkdirSync(path.join(poolDir, 'layers'));
}

let cleaned = false;
async function cleanup(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  await driver.close();
  if (poolMounted) umount2(poolDir);
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(poolHome, { recursive: true, force: true });
}
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));
process.on('SIGTERM', () => void cleanup().then(() => process.exit(143)));

interface SizeResult {
  size: string;
  bytes: number;
  writeMs: number;
  snapshotMs: { median: number; min: number; max: number };
  cloneMs: { median: number; min: number; max: number };
  copyMs: number;
}

function fill(dir: string, bytes: number): void {
  const chunk = Buffer.alloc(CHUNK);
  for (let file = 0, left = bytes; left > 0; file++, left -= FILE_BYTES) {
    const fd = fs.openSync(path.join(dir, `data-${file}`), 'w');
    try {
      for (let done = 0; done < Math.min(FILE_BYTES, left); done += CHUNK) {
        // Fresh random bytes for each chunk: nothing in the pool can share or compress them.
        randomFillSync(chunk);
        fs.writeSync(fd, chunk, 0, Math.min(CHUNK, left - done));
      }
    } finally {
      fs.closeSync(fd);
    }
  }
}

function spread(xs: number[]): { median: number; min: number; max: number } {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

async function measure(label: string, bytes: number): Promise<SizeResult> {
  const base = `base-${label}`;
  await driver.create(base, undefined, { readonly: false });
  const dir = await driver.mount(base);
  let t = performance.now();
  fill(dir, bytes);
  await driver.unmount(base);
  const writeMs = performance.now() - t;

  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const id = `snap-${label}-${i}`;
    t = performance.now();
    await driver.create(id, base, { readonly: false });
    const ms = performance.now() - t;
    if (i > 0) times.push(ms); // the first is a warm-up
    await driver.remove(id);
    // The freed clone's extents are written back before the next run, not during it.
    execFileSync('sync');
  }

  // The FICLONE alone, on the same image, for how much of a snapshot is the clone itself.
  const image = path.join(poolDir, 'layers', 'images', `${base}.img`);
  const clones: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const target = `${image}.bench-clone`;
    t = performance.now();
    cloneFile(image, target);
    const ms = performance.now() - t;
    if (i > 0) clones.push(ms);
    fs.rmSync(target);
    execFileSync('sync');
  }

  // The plain copy: the same files, read from the mounted layer, written into the same pool filesystem.
  const copy = path.join(poolDir, `copy-${label}`);
  const source = await driver.mount(base);
  execFileSync('sync');
  t = performance.now();
  execFileSync('cp', ['-a', '--reflink=never', `${source}/.`, copy]);
  execFileSync('sync');
  const copyMs = performance.now() - t;
  await driver.unmount(base);
  fs.rmSync(copy, { recursive: true, force: true });
  await driver.remove(base);
  return { size: label, bytes, writeMs, snapshotMs: spread(times), cloneMs: spread(clones), copyMs };
}

try {
  makePool();
  await driver.init();
  const status = Object.fromEntries(driver.status());
  const results: SizeResult[] = [];
  for (const { label, bytes } of sizes) results.push(await measure(label, bytes));
  const medians = results.map((r) => r.snapshotMs.median);
  const flat = Math.max(...medians) / Math.min(...medians);
  const atLargest = results.find((r) => r.bytes === largest)?.snapshotMs.median ?? NaN;
  const fmt = (n: number): string => n.toFixed(2);
  console.log(`machine: ${os.cpus().length} CPUs, Linux ${os.release()}, Node ${process.version}; pool: ${status['Pool'] ?? '?'}; devices: ${status['Base Device Filesystem'] ?? '?'}`);
  console.log(`${runs} snapshots per size after a warm-up; times in ms`);
  const cell = (x: { median: number; min: number; max: number }): string => `${fmt(x.median)} (${fmt(x.min)}-${fmt(x.max)})`;
  console.log(['size', 'data written', 'snapshot median (min-max)', 'of it FICLONE alone', 'plain copy', 'copy / snapshot'].join(' | '));
  for (const r of results) {
    console.log([r.size, fmt(r.writeMs), cell(r.snapshotMs), cell(r.cloneMs), fmt(r.copyMs), `${fmt(r.copyMs / r.snapshotMs.median)}x`].join(' | '));
  }
  console.log(`flatness: slowest median / fastest median = ${fmt(flat)}x (goal <= ${GOAL_FLAT}x): ${flat <= GOAL_FLAT ? 'MET' : 'MISSED'}`);
  console.log(`at the largest size: ${fmt(atLargest)} ms (goal < ${GOAL_MS_AT_LARGEST} ms): ${atLargest < GOAL_MS_AT_LARGEST ? 'MET' : 'MISSED'}`);
  if (values.json !== undefined) fs.writeFileSync(values.json, JSON.stringify({ date: new Date().toISOString(), runs, results, flat, atLargest }, null, 2));
} finally {
  await cleanup();
}
