import { hostFacts } from './host-facts.ts';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { openRoot, openSnapshotter, type Driver, type Snapshotter } from '@layerctl/snapshotter';
import { LayerctlError } from '@layerctl/sys';
import { Runner } from '../../../../bench/archive/measure.ts';
import { DRIVER_PRIORITY, type DriverName, makeDriver } from '../drivers.ts';
import { type BenchReport, type DriverRun, type Failure, type Figure, type MachineFacts, REPORT_FORMAT } from './bench-report.ts';
import { buildWorkload, runWorkload } from './command-workloads.ts';
import { containerdWorkload } from './containerd-workload.ts';
import { copyUp } from './copy-up.ts';
import { type BenchFilesystem, hostDirFilesystem, type LoopKind, loopsUnder, makeLoopFilesystem, mountsUnder, removeScratch, removeUnmounted } from './loop-filesystem.ts';
import { metadataWalk } from './metadata-walk.ts';
import { mobyWorkloads } from './moby-workloads.ts';
import { mountLatency } from './mount-latency.ts';
import { checkpoint } from './measure.ts';
import type { CommandContext, Sizes, Workload, WorkloadContext } from './workload.ts';

/** Every workload, in the order they run and are reported. */
export const WORKLOADS: readonly Workload[] = [...mobyWorkloads, containerdWorkload, mountLatency, copyUp, metadataWalk, buildWorkload, runWorkload];

export type FilesystemChoice = { kind: 'loop'; type: LoopKind } | { kind: 'dir'; dir: string };

export interface BenchOptions {
  drivers: readonly DriverName[];
  filesystems: readonly FilesystemChoice[];
  workloads: readonly Workload[];
  quick: boolean;
  /** Where the loop images and every scratch dir go. */
  scratchParent: string;
  /** Size of each (sparse) loop filesystem. */
  loopBytes: number;
  signal: AbortSignal;
  progress(line: string): void;
}

const MiB = 1024 ** 2;

/** The issue's sizes, and --quick's: fewer runs, shallower chains, a tenth of the files; every workload still measured. */
export function sizesFor(quick: boolean): Sizes {
  return quick
    ? { plan: { runs: 2, warmups: 1 }, commandPlan: { runs: 2, warmups: 0 }, mountDepths: [1, 16], copyUpBytes: 8 * MiB, walkFiles: 2000, diffManyFiles: 1000 }
    : { plan: { runs: 10, warmups: 2 }, commandPlan: { runs: 5, warmups: 1 }, mountDepths: [1, 16, 128, 500], copyUpBytes: 256 * MiB, walkFiles: 10000, diffManyFiles: 10000 };
}

const CHECKOUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const LAYERCTL = path.join(CHECKOUT, 'packages/layerctl/bin/layerctl.js');
const MAKE_ROOTFS = path.join(CHECKOUT, 'fixtures/busybox/make-rootfs.sh');

/**
 * Runs every workload of every driver on every filesystem and returns the report. Everything it
 * makes lives in one scratch dir under `scratchParent` (plus one under each --fs DIR), taken
 * down at the end whatever happens: mounts, loop devices, files, the commands' cgroups.
 */
export async function benchDrivers(options: BenchOptions): Promise<BenchReport> {
  const scratch = fs.mkdtempSync(path.join(path.resolve(options.scratchParent), 'layerctl-bench-'));
  const cleanups: string[] = [scratch];
  const runner = new Runner();
  const cgroupParent = `layerctl-bench-${crypto.randomBytes(6).toString('hex')}`;
  const stopChildren = (): void => void runner.stopAll();
  options.signal.addEventListener('abort', stopChildren, { once: true });
  const machineStart = os.loadavg();
  const drivers: DriverRun[] = [];
  const figures: Figure[] = [];
  const failures: Failure[] = [];
  const filesystems: BenchFilesystem[] = [];
  let cleanup = '';
  const finish = async (): Promise<void> => {
    options.signal.removeEventListener('abort', stopChildren);
    await runner.stopAll();
    cleanup = await cleanUp(cleanups, cgroupParent);
    options.progress(`cleanup: ${cleanup}`);
  };
  try {
    const commands = await commandContext(scratch, runner, cgroupParent, options);
    for (const [index, choice] of options.filesystems.entries()) {
      await checkpoint(options.signal);
      const filesystem = choice.kind === 'loop' ? makeLoopFilesystem(choice.type, scratch, options.loopBytes) : hostDirFilesystem(choice.dir);
      if (choice.kind === 'dir') cleanups.push(filesystem.dir);
      filesystems.push(filesystem);
      options.progress(`filesystem ${index + 1}/${options.filesystems.length}: ${filesystem.detail}`);
      for (const [driverIndex, name] of options.drivers.entries()) {
        const where = `${filesystem.name} ${index + 1}/${options.filesystems.length} · ${name} ${driverIndex + 1}/${options.drivers.length}`;
        const run = await benchDriver(name, filesystem, commands, options, where, figures, failures);
        drivers.push(run);
      }
    }
  } catch (error) {
    // The bench's own failure is what the user needs to read; a cleanup failure after it is a progress line.
    await finish().catch((cleanupError: unknown) => options.progress(`cleanup failed too: ${String(cleanupError)}`));
    throw error;
  }
  await finish();
  return {
    format: REPORT_FORMAT,
    date: new Date().toISOString(),
    quick: options.quick,
    machine: machineFacts(machineStart),
    filesystems: filesystems.map(({ name, detail }) => ({ name, detail })),
    drivers,
    workloads: options.workloads.map((w) => ({ name: w.name, description: w.describe(sizesFor(options.quick)) })),
    figures,
    failures,
    cleanup,
  };
}

async function commandContext(scratch: string, runner: Runner, cgroupParent: string, options: BenchOptions): Promise<CommandContext> {
  const busyboxTar = path.join(scratch, 'busybox.tar');
  if (options.workloads.some((w) => w === buildWorkload || w === runWorkload)) execFileSync(MAKE_ROOTFS, [busyboxTar], { stdio: ['ignore', 'ignore', 'pipe'] });
  return {
    busyboxTar,
    cgroupParent,
    layerctl: async (args) => (await runner.shell(['exec', process.execPath, LAYERCTL, ...args].map(shellQuote).join(' '))).ms,
  };
}

/** One driver on one filesystem: its own root there, every workload in turn, then the root removed. */
async function benchDriver(
  name: DriverName,
  filesystem: BenchFilesystem,
  commands: CommandContext,
  options: BenchOptions,
  where: string,
  figures: Figure[],
  failures: Failure[],
): Promise<DriverRun> {
  const base = path.join(filesystem.dir, name);
  const rootDir = path.join(base, 'root');
  const scratchDir = path.join(base, 'scratch');
  fs.mkdirSync(scratchDir, { recursive: true });
  const root = openRoot(rootDir);
  let snapshotter: Snapshotter | undefined;
  try {
    let driver: Driver;
    try {
      driver = await makeDriver(name, root);
      snapshotter = await openSnapshotter(root, driver);
    } catch (error) {
      if (!(error instanceof LayerctlError) || options.signal.aborted) throw error;
      options.progress(`[${where}] not measured: ${error.message}`);
      return { filesystem: filesystem.name, driver: name, available: false, detail: error.message, status: [] };
    }
    const status = driver.status();
    const sizes = sizesFor(options.quick);
    for (const [index, workload] of options.workloads.entries()) {
      await checkpoint(options.signal);
      const step = `${where} · ${workload.name} ${index + 1}/${options.workloads.length}`;
      options.progress(`[${step}] ${workload.describe(sizes)}`);
      const context: WorkloadContext = {
        filesystem: filesystem.name,
        driver,
        snapshotter,
        rootDir,
        tmpDir: root.tmpDir,
        scratchDir,
        sizes,
        signal: options.signal,
        progress: (line) => options.progress(`[${step}] ${line}`),
        commands,
      };
      try {
        for (const f of await workload.run(context)) {
          figures.push({ filesystem: filesystem.name, driver: name, workload: workload.name, variant: f.variant, metric: f.metric, cold: f.cold, ...f.measured });
        }
      } catch (error) {
        if (!(error instanceof LayerctlError) || options.signal.aborted) throw error;
        options.progress(`[${step}] FAILED: ${error.message}`);
        failures.push({ filesystem: filesystem.name, driver: name, workload: workload.name, error: error.message });
      }
    }
    return { filesystem: filesystem.name, driver: name, available: true, detail: 'measured', status };
  } finally {
    await snapshotter?.close();
    root.close();
    // The driver's layers and the commands' roots go now: the next driver gets the whole filesystem.
    removeUnmounted(base);
  }
}

/** Takes down every scratch dir; then checks that no mount or loop device of the bench's is left. */
async function cleanUp(dirs: readonly string[], cgroupParent: string): Promise<string> {
  const done: string[] = [];
  for (const dir of [...dirs].reverse()) done.push(removeScratch(dir));
  const { openCgroup } = await import('@layerctl/executor');
  const cgroup = openCgroup(cgroupParent);
  if (cgroup !== undefined) {
    cgroup.killAll('SIGKILL');
    cgroup.remove();
    done.push(`cgroup ${cgroupParent} removed`);
  }
  const left = await settled(() => dirs.flatMap((dir) => [...mountsUnder(dir), ...loopsUnder(dir).map((n) => `/dev/loop${n}`)]));
  if (left.length > 0) throw new LayerctlError(`bench cleanup: ${left.join(', ')} still there after cleanup`);
  return `${done.join('; ')}; no mount or loop device left`;
}

/** Autoclear loop devices detach a moment after their filesystem is unmounted: asks again for a while before believing one is left. */
async function settled(look: () => string[]): Promise<string[]> {
  let left = look();
  for (let attempt = 0; attempt < SETTLE_ATTEMPTS && left.length > 0; attempt++) {
    await setTimeout(SETTLE_INTERVAL_MS);
    left = look();
  }
  return left;
}

const SETTLE_ATTEMPTS = 40;
const SETTLE_INTERVAL_MS = 50;

function machineFacts(loadAverageStart: number[]): MachineFacts {
  return {
    ...hostFacts(),
    loadAverageStart,
    loadAverageEnd: os.loadavg(),
  };
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The drivers a bench measures by default: every one layerctl knows, in its priority order. */
export const ALL_DRIVERS: readonly DriverName[] = DRIVER_PRIORITY;
