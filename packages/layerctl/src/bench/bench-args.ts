import fs from 'node:fs';
import { UsageError } from '@layerctl/sys';
import type { DriverName } from '../drivers.ts';
import { DRIVERS } from '../global-options.ts';
import { ALL_DRIVERS, type BenchOptions, type FilesystemChoice, WORKLOADS } from './bench-drivers.ts';
import { LOOP_KINDS } from './loop-filesystem.ts';

type ParsedArgs = Omit<BenchOptions, 'signal' | 'progress'>;

/** The command line of `bench drivers`, checked: each error names the option and the value at fault. */
export function parseBenchArgs(args: { driver?: readonly string[] | string | undefined; fs: string; quick: boolean; workload?: string | undefined; scratch: string; loopSize: string }): ParsedArgs {
  return {
    drivers: args.driver === undefined ? ALL_DRIVERS : [args.driver].flat().flatMap(list).map(driverName),
    filesystems: filesystems(args.fs),
    workloads: args.workload === undefined ? WORKLOADS : list(args.workload).map(workload),
    quick: args.quick,
    scratchParent: args.scratch,
    loopBytes: size(args.loopSize),
  };
}

function list(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function driverName(value: string): DriverName {
  const found = DRIVERS.find((d) => d === value);
  if (found === undefined) throw new UsageError(`--driver ${value}: not a driver (${DRIVERS.join(', ')})`);
  return found;
}

function workload(value: string) {
  const found = WORKLOADS.find((w) => w.name === value);
  if (found === undefined) throw new UsageError(`--workload ${value}: not a workload (${WORKLOADS.map((w) => w.name).join(', ')})`);
  return found;
}

/** "ext4,xfs" (loop filesystems) or one directory (the host's filesystem under it). */
function filesystems(value: string): FilesystemChoice[] {
  const names = list(value);
  const kinds = names.map((name) => LOOP_KINDS.find((k) => k === name));
  if (kinds.every((k) => k !== undefined) && kinds.length > 0) return kinds.map((type) => ({ kind: 'loop', type }));
  if (names.length === 1 && fs.statSync(value, { throwIfNoEntry: false })?.isDirectory() === true) return [{ kind: 'dir', dir: value }];
  throw new UsageError(`--fs ${value}: give ${LOOP_KINDS.join(',')} (or some of them) for loop filesystems, or an existing directory`);
}

const UNITS: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

function size(value: string): number {
  const match = /^(\d+)([kmgt])$/i.exec(value.trim());
  const unit = UNITS[(match?.[2] ?? '').toLowerCase()];
  if (match?.[1] === undefined || unit === undefined || Number(match[1]) === 0) throw new UsageError(`--loop-size ${value}: give a size such as 2G or 512M`);
  return Number(match[1]) * unit;
}
