import { InvalidArgumentError } from '@layerctl/sys';
import type { Resources } from '../spec/runtime-spec.ts';
import { swapOnly } from './memory-swap.ts';

/** One v2 setting: a file in the container's cgroup and the value written to it. */
export interface V2Write {
  file: string;
  value: string;
  /** Written instead when `file` does not exist on this kernel. */
  fallback?: V2Write;
  /** Set when a kernel may lack the file (and the fallback); the sentence says what goes unenforced. */
  ifAbsent?: string;
}

export interface V2Settings {
  /** The controllers the writes need enabled in every ancestor's cgroup.subtree_control. */
  controllers: string[];
  writes: V2Write[];
  /** Sentences for the parts of `resources` that v2 cannot enforce here. */
  unenforced: string[];
}

/** v2 writes "max" where v1 and the spec say -1. */
const V2_UNLIMITED = 'max';

/** The spec's unified keys name cgroup files: "memory.high", "cgroup.freeze"; never a path. */
const UNIFIED_KEY = /^[a-z0-9_]+(\.[a-z0-9_]+)+$/;

/**
 * Translates the spec's resources (written in v1 terms) into cgroup v2 files, with the
 * conversions runc and crun use, so a bundle means the same under each of them. Device rules
 * are no file on v2: device-filter.ts turns them into an eBPF program.
 */
export function v2Settings(resources: Resources): V2Settings {
  const settings: V2Settings = { controllers: [], writes: [], unenforced: [] };
  const add = (controller: string, file: string, value: string, optional: Omit<V2Write, 'file' | 'value'> = {}): void => {
    if (!settings.controllers.includes(controller)) settings.controllers.push(controller);
    settings.writes.push({ file, value, ...optional });
  };
  memorySettings(resources, add, settings.unenforced);
  cpuSettings(resources, add);
  if (resources.pids !== undefined) {
    add('pids', 'pids.max', resources.pids.limit > 0 ? String(resources.pids.limit) : V2_UNLIMITED);
  }
  const weight = resources.blockIO?.weight;
  if (weight !== undefined && weight > 0) {
    // BFQ's file takes the blkio scale (1..1000) as it is; io.weight (blk-iocost) takes 1..10000.
    add('io', 'io.bfq.weight', String(weight), {
      fallback: { file: 'io.weight', value: `default ${ioWeightFromBlkio(weight)}` },
      ifAbsent: 'the block I/O weight is not enforced: neither io.bfq.weight nor io.weight exists (no BFQ scheduler, no io.cost)',
    });
  }
  for (const [file, value] of Object.entries(resources.unified ?? {})) {
    if (!UNIFIED_KEY.test(file)) throw new InvalidArgumentError(`linux.resources.unified key "${file}" is not a cgroup file name`);
    const controller = file.slice(0, file.indexOf('.'));
    if (controller === 'cgroup') settings.writes.push({ file, value });
    else add(controller, file, value);
  }
  return settings;
}

type Add = (controller: string, file: string, value: string, optional?: Omit<V2Write, 'file' | 'value'>) => void;

function memorySettings(resources: Resources, add: Add, unenforced: string[]): void {
  const memory = resources.memory;
  if (memory === undefined) return;
  const swap = swapOnly(memory.limit, memory.swap);
  if (memory.limit !== undefined && memory.limit !== 0) add('memory', 'memory.max', bytesOrMax(memory.limit));
  if (swap !== undefined) {
    add('memory', 'memory.swap.max', bytesOrMax(swap), {
      ifAbsent: 'the swap limit is not enforced: memory.swap.max is absent (kernel swap accounting is off)',
    });
  }
  if (memory.reservation !== undefined && memory.reservation !== 0) add('memory', 'memory.low', bytesOrMax(memory.reservation));
  if (memory.disableOOMKiller === true) unenforced.push('disableOOMKiller has no cgroup v2 equivalent; the OOM killer stays on');
}

function cpuSettings(resources: Resources, add: Add): void {
  const cpu = resources.cpu;
  if (cpu === undefined) return;
  if (cpu.shares !== undefined && cpu.shares > 0) add('cpu', 'cpu.weight', String(cpuWeightFromShares(cpu.shares)));
  const max = cpuMax(cpu.quota, cpu.period);
  if (max !== undefined) add('cpu', 'cpu.max', max);
  if (cpu.cpus !== undefined && cpu.cpus !== '') add('cpuset', 'cpuset.cpus', cpu.cpus);
  if (cpu.mems !== undefined && cpu.mems !== '') add('cpuset', 'cpuset.mems', cpu.mems);
}

/**
 * v1 cpu.shares (2..262144) onto v2 cpu.weight (1..10000), linearly, as runc and crun do
 * (runc's ConvertCPUSharesToCgroupV2Value): the default 1024 shares become weight 39.
 */
export function cpuWeightFromShares(shares: number): number {
  if (shares <= 2) return 1;
  if (shares >= 262144) return 10000;
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** v1 blkio weight (10..1000) onto v2 io.weight (1..10000), as runc's ConvertBlkIOToIOWeightValue. */
export function ioWeightFromBlkio(weight: number): number {
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/**
 * cpu.max's "QUOTA PERIOD" (microseconds): "max" for no quota. Without a period the kernel keeps
 * the current one, so only the quota is written; undefined when the spec sets neither.
 */
export function cpuMax(quota: number | undefined, period: number | undefined): string | undefined {
  const hasQuota = quota !== undefined && quota !== 0;
  const hasPeriod = period !== undefined && period > 0;
  if (!hasQuota && !hasPeriod) return undefined;
  const quotaText = hasQuota && quota > 0 ? String(quota) : V2_UNLIMITED;
  return hasPeriod ? `${quotaText} ${period}` : quotaText;
}

function bytesOrMax(bytes: number): string {
  return bytes < 0 ? V2_UNLIMITED : String(bytes);
}
