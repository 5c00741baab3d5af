/**
 * bench/snapshots: the Snapshotter on overlay2, next to bare mounts of the same overlays, in the
 * same run (issue 3, "Proof"):
 *   node bench/snapshots/run.ts [--layers 1,16,128,500] [--runs 30] [--dir /dev/shm] [--json FILE]
 *                               [--mount-api new|legacy] [--no-file-ops]
 *
 * - chain depth (chain-depth.ts): prepare, mount, unmount and commit of a snapshot on N committed
 *   layers, and the bare mount and unmount of the same overlay; the goal check at 128 layers.
 * - containerd's benchmark shape (file-ops-layers.ts): 16 layers of 1 MiB of file operations,
 *   prepare, write and commit timed apart.
 * Everything lives in one scratch dir (tmpfs by default). Every mount below it is taken off and
 * the dir removed at the end, on error and on Ctrl-C/SIGTERM; /proc/self/mountinfo is checked
 * afterwards and the bench fails if a mount of its own is left.
 */
import { hostFacts } from '@layerctl/layerctl/host-facts';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openRoot, openSnapshotter, TMP_DIR, type Root, type Snapshotter } from '@layerctl/snapshotter';
import { LayerctlError, UsageError } from '@layerctl/sys';
import { Overlay2Driver } from '@layerctl/drivers-overlay2';
import type { BenchContext } from './bench-context.ts';
import { chainDepths } from './chain-depth.ts';
import { fileOpsLayers } from './file-ops-layers.ts';
import { type BenchResult, formatReport, type MachineFacts } from './report.ts';
import { mountsUnder, unmountUnder } from './scratch-mounts.ts';

/** overlay's own limit on lower dirs (OVL_MAX_STACK); a chain deeper than this cannot be mounted. */
const MAX_LAYERS = 500;

interface Options {
  layers: number[];
  runs: number;
  baseDir: string;
  json: string | undefined;
  mountApi: string | undefined;
  fileOps: boolean;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      layers: { type: 'string', default: '1,16,128,500' },
      runs: { type: 'string', default: '30' },
      dir: { type: 'string', default: '/dev/shm' },
      json: { type: 'string' },
      'mount-api': { type: 'string' },
      'no-file-ops': { type: 'boolean', default: false },
    },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs ${values.runs}: a whole number of at least 1`);
  const layers = values.layers.split(',').filter((s) => s !== '').map(Number);
  if (layers.some((n) => !Number.isInteger(n) || n < 1 || n > MAX_LAYERS)) {
    throw new UsageError(`--layers ${values.layers}: comma-separated whole numbers from 1 to ${MAX_LAYERS}`);
  }
  return { layers, runs, baseDir: values.dir, json: values.json, mountApi: values['mount-api'], fileOps: !values['no-file-ops'] };
}

function machineFacts(workDir: string, driver: Overlay2Driver): MachineFacts {
  return {
    ...hostFacts(),
    workDir,
    fsType: execFileSync('stat', ['-f', '-c', '%T', workDir], { encoding: 'utf8' }).trim(),
    driver: Object.fromEntries(driver.status()),
    loadAverageStart: os.loadavg(),
  };
}

const progress = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

async function bench(opts: Options, context: BenchContext, driver: Overlay2Driver): Promise<Omit<BenchResult, 'cleanup'>> {
  const machine = machineFacts(context.workDir, driver);
  progress(`snapshot bench in ${context.workDir} (${machine.fsType}), ${machine.driver['Mount API'] ?? ''}`);
  const depths = opts.layers.length > 0 ? await chainDepths(context, opts.layers, opts.runs, progress) : { results: [], refused: undefined };
  const fileOps = opts.fileOps ? await fileOpsLayers(context, opts.runs, progress) : undefined;
  machine.loadAverageEnd = os.loadavg();
  return { date: new Date().toISOString(), machine, runs: opts.runs, depths, fileOps };
}

/**
 * Takes off every mount below the work dir, closes the store and removes the dir, then checks
 * mountinfo. Returns what it did, for the report; throws when a mount of the bench's is left.
 */
async function cleanUp(workDir: string, snapshotter: Snapshotter | undefined, root: Root | undefined): Promise<string> {
  const taken = unmountUnder(workDir);
  await snapshotter?.close();
  root?.close();
  const left = mountsUnder(workDir);
  if (left.length > 0) throw new LayerctlError(`bench cleanup: ${left.length} mounts still below ${workDir} (first: ${left[0]}); the dir is left in place`);
  fs.rmSync(workDir, { recursive: true, force: true });
  return `${taken === 0 ? 'no mount was left to take off' : `took off ${taken} leftover mounts`}; /proc/self/mountinfo shows nothing below the work dir; work dir removed`;
}

async function main(): Promise<void> {
  const opts = parseOptions();
  const workDir = fs.mkdtempSync(path.join(path.resolve(opts.baseDir), 'layerctl-bench-snapshots-'));
  const stop = new AbortController();
  let root: Root | undefined;
  let snapshotter: Snapshotter | undefined;
  const onSignal = (signal: NodeJS.Signals, status: number) => () => {
    if (!stop.signal.aborted) {
      process.stderr.write(`${signal}: stopping after the current step, then removing ${workDir}\n`);
      process.exitCode = status;
      stop.abort(new LayerctlError(`bench interrupted by ${signal}`));
      return;
    }
    // A second signal: no waiting for the current step.
    unmountUnder(workDir);
    fs.rmSync(workDir, { recursive: true, force: true });
    process.exit(status);
  };
  process.on('SIGINT', onSignal('SIGINT', 130));
  process.on('SIGTERM', onSignal('SIGTERM', 143));
  let result: Omit<BenchResult, 'cleanup'> | undefined;
  try {
    root = openRoot(workDir);
    const driver = new Overlay2Driver({
      root: workDir,
      tmpDir: path.join(workDir, TMP_DIR),
      options: opts.mountApi === undefined ? {} : { 'overlay2.mount_api': opts.mountApi },
    });
    snapshotter = await openSnapshotter(root, driver);
    result = await bench(opts, { snapshotter, workDir, signal: stop.signal }, driver);
  } catch (error) {
    if (!stop.signal.aborted) throw error;
    // Interrupted: the abort's own error is expected; any other failure is still worth a line.
    if (error !== stop.signal.reason) progress(`while stopping: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    const cleanup = await cleanUp(workDir, snapshotter, root);
    if (result !== undefined) report({ ...result, cleanup }, opts.json);
    else progress(`cleanup: ${cleanup}`);
  }
}

function report(result: BenchResult, json: string | undefined): void {
  process.stdout.write(`${formatReport(result)}\n`);
  if (json !== undefined) fs.writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
}

await main();
