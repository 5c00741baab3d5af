import type { Resources } from '../spec/runtime-spec.ts';
import { deviceRuleFile, deviceRuleLine } from './device-rules.ts';
import { checkMemorySwap } from './memory-swap.ts';

/** One v1 setting: the value for the first of `files` that exists in the controller's cgroup. */
export interface V1Write {
  controller: string;
  files: readonly string[];
  value: string;
  /** Set when the setting may be missing on a host; the sentence says what is then not enforced. */
  ifAbsent?: string;
}

/**
 * The writes that apply `resources` to a v1 cgroup, in the order the kernel accepts them.
 * `currentMemsw` is the cgroup's memory.memsw.limit_in_bytes now (undefined when absent): v1
 * keeps memory.limit_in_bytes <= memory.memsw.limit_in_bytes at every step, so a limit raised
 * above the current memsw needs memsw raised first, and a lowered one the other way round.
 */
export function v1Settings(resources: Resources, currentMemsw: bigint | undefined): V1Write[] {
  return [...memoryWrites(resources, currentMemsw), ...cpuWrites(resources), ...otherWrites(resources), ...deviceWrites(resources)];
}

function memoryWrites(resources: Resources, currentMemsw: bigint | undefined): V1Write[] {
  const memory = resources.memory;
  if (memory === undefined) return [];
  const { limit, swap } = memory;
  checkMemorySwap(limit, swap);
  const writes: V1Write[] = [];
  const limitWrite = set(limit) ? [{ controller: 'memory', files: ['memory.limit_in_bytes'], value: String(limit) }] : [];
  const swapWrite = set(swap)
    ? [
        {
          controller: 'memory',
          files: ['memory.memsw.limit_in_bytes'],
          value: String(swap),
          ifAbsent: 'the memory+swap limit is not enforced: memory.memsw.limit_in_bytes is absent (kernel swap accounting is off)',
        },
      ]
    : [];
  const swapFirst = limit === -1 || (limit !== undefined && currentMemsw !== undefined && BigInt(limit) > currentMemsw);
  writes.push(...(swapFirst ? [...swapWrite, ...limitWrite] : [...limitWrite, ...swapWrite]));
  if (set(memory.reservation)) {
    writes.push({ controller: 'memory', files: ['memory.soft_limit_in_bytes'], value: String(memory.reservation) });
  }
  if (memory.disableOOMKiller === true) writes.push({ controller: 'memory', files: ['memory.oom_control'], value: '1' });
  return writes;
}

function cpuWrites(resources: Resources): V1Write[] {
  const cpu = resources.cpu;
  if (cpu === undefined) return [];
  const writes: V1Write[] = [];
  if (cpu.shares !== undefined && cpu.shares > 0) writes.push({ controller: 'cpu', files: ['cpu.shares'], value: String(cpu.shares) });
  if (cpu.period !== undefined && cpu.period > 0) {
    writes.push({ controller: 'cpu', files: ['cpu.cfs_period_us'], value: String(cpu.period) });
  }
  if (set(cpu.quota)) writes.push({ controller: 'cpu', files: ['cpu.cfs_quota_us'], value: String(cpu.quota) });
  if (cpu.cpus !== undefined && cpu.cpus !== '') writes.push({ controller: 'cpuset', files: ['cpuset.cpus'], value: cpu.cpus });
  if (cpu.mems !== undefined && cpu.mems !== '') writes.push({ controller: 'cpuset', files: ['cpuset.mems'], value: cpu.mems });
  return writes;
}

function otherWrites(resources: Resources): V1Write[] {
  const writes: V1Write[] = [];
  if (resources.pids !== undefined) {
    const limit = resources.pids.limit;
    writes.push({ controller: 'pids', files: ['pids.max'], value: limit > 0 ? String(limit) : 'max' });
  }
  const weight = resources.blockIO?.weight;
  if (weight !== undefined && weight > 0) {
    writes.push({
      controller: 'blkio',
      // CFQ's file, or BFQ's when the kernel has only that scheduler (both take 10..1000 or 1..1000).
      files: ['blkio.weight', 'blkio.bfq.weight'],
      value: String(weight),
      ifAbsent: 'the block I/O weight is not enforced: neither blkio.weight nor blkio.bfq.weight exists (no CFQ or BFQ scheduler)',
    });
  }
  return writes;
}

function deviceWrites(resources: Resources): V1Write[] {
  return (resources.devices ?? []).map((rule) => ({ controller: 'devices', files: [deviceRuleFile(rule)], value: deviceRuleLine(rule) }));
}

/** The spec leaves a field alone when it is absent or 0; -1 means unlimited. */
function set(value: number | undefined): value is number {
  return value !== undefined && value !== 0;
}
