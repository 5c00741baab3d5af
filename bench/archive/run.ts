/**
 * bench/archive: layerctl's layer pack and unpack next to the shell pipelines doing the same work,
 * on the same tree, in the same run (issue 2, "Proof"):
 *   node bench/archive/run.ts [--size 1G] [--dir /dev/shm] [--runs 5] [--json FILE] [--cpu-prof DIR] [--from-source]
 *
 * - pack: packTree → writeLayerBlob(zstd) into a content store (DiffID, blob digest and size in
 *   one pass) against `tar -cf - | zstd -T0 | sha256sum`, at zstd level 1 (the pipeline)
 *   and at layerctl's default layer level.
 * - unpack: blob in the content store → zstd → applyLayer into an empty dir, against
 *   `zstd -d -c blob | tar -x`, on the same filesystem.
 * Each of our runs is a child process of its own (phase.ts, bundled with esbuild into the work dir
 * as the product CLI is; --from-source runs phase.ts type-stripped), so its peak RSS is its own.
 * The work dir (tree, store, unpack targets) is removed at the end, on error and on Ctrl-C.
 */
import { hostFacts } from '@layerctl/layerctl/host-facts';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LayerctlError, UsageError } from '@layerctl/sys';
import { ZSTD_LAYER_LEVEL } from '@layerctl/snapshotter';
import { PHASE_SOURCE, type PhaseReport, Runner, type Sample, summarize } from './measure.ts';
import { makeMixedTree } from './mixed-tree.ts';
import { buildPhaseBundle } from './phase-bundle.ts';
import { formatReport, type MachineFacts, oursResult, type TreeFacts, type Workload } from './report.ts';
import { ZSTD_IMPLEMENTATIONS, type ZstdImplementation } from './zstd-implementations.ts';

/** The pipelines' zstd level of the issue: `zstd -1 -T0`. */
const BASELINE_LEVEL = 1;
const PRODUCT_ZSTD: ZstdImplementation = 'zstd-napi';

interface Options {
  sizeBytes: number;
  baseDir: string;
  runs: number;
  json: string | undefined;
  cpuProfDir: string | undefined;
  /** Run phase.ts through Node's type stripper instead of its bundle. */
  fromSource: boolean;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '1G' },
      dir: { type: 'string', default: '/dev/shm' },
      runs: { type: 'string', default: '5' },
      json: { type: 'string' },
      'cpu-prof': { type: 'string' },
      'from-source': { type: 'boolean', default: false },
    },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs ${values.runs}: a whole number of at least 1`);
  return { sizeBytes: parseSize(values.size), baseDir: values.dir, runs, json: values.json, cpuProfDir: values['cpu-prof'], fromSource: values['from-source'] };
}

/** 64M, 1G, 1.5GiB, 4096 (bytes); binary units. */
function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?$/i.exec(text);
  if (match === null) throw new UsageError(`--size ${text}: a size such as 64M or 1G`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(match[2] ?? '').toLowerCase()] ?? 1;
  return Math.round(Number(match[1]) * unit);
}

function machineFacts(workDir: string): MachineFacts {
  const firstLine = (command: string, args: string[]): string => execFileSync(command, args, { encoding: 'utf8' }).split('\n')[0]?.trim() ?? '';
  return {
    ...hostFacts(),
    fsType: firstLine('stat', ['-f', '-c', '%T', workDir]),
    workDir,
    tools: [firstLine('tar', ['--version']), firstLine('zstd', ['--version']).replace(/^\*+\s*|\s*\*+$/g, '')],
    loadAverageStart: os.loadavg(),
  };
}

/** Runs the variants one after another, `runs` rounds after one warm-up round; `before` readies each run (untimed). */
async function measure(runs: number, variants: Array<[string, () => Promise<Sample>]>, before: () => void = () => {}): Promise<Map<string, Sample[]>> {
  const samples = new Map<string, Sample[]>(variants.map(([name]) => [name, []]));
  for (let round = 0; round <= runs; round++) {
    for (const [name, run] of variants) {
      before();
      const sample = await run();
      if (round > 0) samples.get(name)?.push(sample);
    }
  }
  return samples;
}

function asSample(report: PhaseReport): Sample {
  return {
    ms: report.ms,
    cpuMs: report.cpuMs,
    mainThreadCpuMs: report.mainThreadCpuMs,
    maxRssBytes: report.maxRssBytes,
    startRssBytes: report.startRssBytes,
    heapUsedBytes: report.memory.heapUsedBytes,
    arrayBuffersBytes: report.memory.arrayBuffersBytes,
  };
}

async function bench(opts: Options, runner: Runner, workDir: string): Promise<void> {
  const treeDir = path.join(workDir, 'tree');
  const storeDir = path.join(workDir, 'store');
  const unpackDir = path.join(workDir, 'unpacked');
  fs.mkdirSync(treeDir);
  const machine = machineFacts(workDir);
  process.stderr.write(`making a ${(opts.sizeBytes / 1024 ** 2).toFixed(0)} MiB tree in ${treeDir}\n`);
  const made = makeMixedTree(treeDir, opts.sizeBytes);

  const pack = (zstd: ZstdImplementation, level: number) => () =>
    runner.phase(['pack', '--tree', treeDir, '--store', storeDir, '--zstd', zstd, '--level', String(level)]);
  const packWorkload = async (level: number): Promise<{ workload: Workload; blob: NonNullable<PhaseReport['blob']> }> => {
    const name = `pack zstd -${level}`;
    process.stderr.write(`${name}\n`);
    const baselineScript = `tar -C ${treeDir} -cf - . | zstd -${level} -T0 | sha256sum`;
    let blob: PhaseReport['blob'];
    const samples = await measure(opts.runs, [
      ['baseline', () => runner.shell(baselineScript)],
      ...ZSTD_IMPLEMENTATIONS.map((zstd): [string, () => Promise<Sample>] => [
        zstd,
        async () => {
          const report = await pack(zstd, level)();
          if (zstd === PRODUCT_ZSTD) blob = report.blob;
          return asSample(report);
        },
      ]),
    ]);
    if (blob === undefined) throw new LayerctlError(`${name}: the pack phase reported no blob`);
    const baseline = summarize(samples.get('baseline') ?? []);
    const ours = ZSTD_IMPLEMENTATIONS.map((zstd) => oursResult(zstd, zstd === PRODUCT_ZSTD, summarize(samples.get(zstd) ?? []), baseline));
    return { workload: { name, baselineScript: baselineScript.replaceAll(workDir, '$WORK'), baseline, ours }, blob };
  };

  const level1 = await packWorkload(BASELINE_LEVEL);
  const levelDefault = await packWorkload(ZSTD_LAYER_LEVEL);

  // Unpack the blob layerctl writes by default.
  const blob = levelDefault.blob;
  const blobPath = path.join(storeDir, 'content/blobs/sha256', blob.digest.slice('sha256:'.length));
  const unpackName = `unpack zstd -${ZSTD_LAYER_LEVEL}`;
  process.stderr.write(`${unpackName}\n`);
  const baselineScript = `zstd -d -c ${blobPath} | tar -x -C ${unpackDir}`;
  const fresh = (): void => {
    fs.rmSync(unpackDir, { recursive: true, force: true });
    fs.mkdirSync(unpackDir);
  };
  const samples = await measure(
    opts.runs,
    [
      ['baseline', () => runner.shell(baselineScript)],
      ...ZSTD_IMPLEMENTATIONS.map((zstd): [string, () => Promise<Sample>] => [
        zstd,
        async () => asSample(await runner.phase(['unpack', '--store', storeDir, '--digest', blob.digest, '--target', unpackDir, '--zstd', zstd])),
      ]),
    ],
    fresh,
  );
  checkUnpacked(treeDir, unpackDir);
  fs.rmSync(unpackDir, { recursive: true, force: true });
  const unpackBaseline = summarize(samples.get('baseline') ?? []);
  const unpack: Workload = {
    name: unpackName,
    baselineScript: baselineScript.replaceAll(workDir, '$WORK'),
    baseline: unpackBaseline,
    ours: ZSTD_IMPLEMENTATIONS.map((zstd) => oursResult(zstd, zstd === PRODUCT_ZSTD, summarize(samples.get(zstd) ?? []), unpackBaseline)),
  };

  machine.loadAverageEnd = os.loadavg();
  const tree: TreeFacts = {
    ...made,
    tarBytes: blob.uncompressedSize,
    blobBytesByLevel: { [`-${BASELINE_LEVEL}`]: level1.blob.size, [`-${ZSTD_LAYER_LEVEL}`]: blob.size },
  };
  const workloads = [level1.workload, levelDefault.workload, unpack];
  process.stdout.write(`${formatReport(machine, tree, opts.runs, workloads)}\n`);
  if (opts.json !== undefined) {
    const result = { date: new Date().toISOString(), machine, tree, runs: opts.runs, workloads };
    fs.writeFileSync(opts.json, `${JSON.stringify(result, null, 2)}\n`);
  }
}

/**
 * The last unpack (the last variant measured) must hold what was packed: same names, types and
 * file sizes. A fast unpack that drops files would otherwise win.
 */
function checkUnpacked(treeDir: string, unpackDir: string): void {
  const list = (dir: string): string[] =>
    fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort().map((name) => {
      const stat = fs.lstatSync(path.join(dir, name));
      return `${name} ${stat.isFile() ? stat.size : stat.isSymbolicLink() ? 'symlink' : 'dir'}`;
    });
  const want = list(treeDir);
  const got = list(unpackDir);
  const missing = want.filter((line) => !got.includes(line));
  if (missing.length > 0 || want.length !== got.length) {
    throw new LayerctlError(`unpack check: ${unpackDir} differs from ${treeDir} (${want.length} vs ${got.length} entries; first missing: ${missing[0] ?? '-'})`);
  }
}

async function main(): Promise<void> {
  const opts = parseOptions();
  const nodeFlags = opts.cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.resolve(opts.cpuProfDir)}`];
  const workDir = fs.mkdtempSync(path.join(opts.baseDir, 'layerctl-bench-'));
  const cleanUp = (): void => fs.rmSync(workDir, { recursive: true, force: true });
  // The product runs from an esbuild bundle (plain JavaScript); so do the measured phases.
  const phaseScript = opts.fromSource ? PHASE_SOURCE : await buildPhaseBundle(path.join(workDir, 'bundle')).catch((error: unknown) => {
    cleanUp();
    throw error;
  });
  const runner = new Runner(nodeFlags, phaseScript);
  // Once set, the bench is being interrupted: this stops the children, cleans up and exits.
  let stopping: Promise<void> | undefined;
  const interrupt = (signal: NodeJS.Signals, status: number) => () => {
    stopping ??= (async () => {
      process.stderr.write(`${signal}: stopping the bench's children and removing ${workDir}\n`);
      await runner.stopAll();
      cleanUp();
      process.exit(status);
    })();
  };
  process.on('SIGINT', interrupt('SIGINT', 130));
  process.on('SIGTERM', interrupt('SIGTERM', 143));
  try {
    await bench(opts, runner, workDir);
  } catch (error) {
    // A child killed by the interruption fails its run; the interruption exits, not this error.
    if (stopping !== undefined) await stopping;
    throw error;
  } finally {
    if (stopping === undefined) cleanUp();
  }
}

await main();
