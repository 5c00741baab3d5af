import { InvalidArgumentError } from '@layerctl/sys';
import type { ContainerResources } from './container-config.ts';

/** The CFS period --cpus is spread over, as Docker uses (100 ms). */
export const CPU_PERIOD_US = 100_000;

/** Docker's smallest --memory: below this a container cannot even start its init. */
const MIN_MEMORY_BYTES = 6 * 1024 * 1024;

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** Docker's --memory syntax: a number with an optional b, k, m, g, t (binary units, any case). */
export function parseMemory(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)b?$/i.exec(text.trim());
  const unit = UNITS[match?.[2]?.toLowerCase() ?? ''];
  if (match?.[1] === undefined || unit === undefined) throw new InvalidArgumentError(`--memory ${JSON.stringify(text)}: give bytes with an optional unit, like 64m or 1g`);
  const bytes = Math.floor(Number(match[1]) * unit);
  if (bytes < MIN_MEMORY_BYTES) throw new InvalidArgumentError(`--memory ${text}: the minimum is 6m`);
  return bytes;
}

/** --cpus 1.5 as a CFS quota of the period; at most the host's CPU count, as Docker checks. */
export function parseCpus(value: number, hostCpus: number): { cpuQuota: number; cpuPeriod: number } {
  if (!(value > 0) || !Number.isFinite(value)) throw new InvalidArgumentError(`--cpus ${value}: give a positive number of CPUs, like 0.5 or 2`);
  if (value > hostCpus) throw new InvalidArgumentError(`--cpus ${value}: this host has only ${hostCpus} CPUs`);
  return { cpuQuota: Math.round(value * CPU_PERIOD_US), cpuPeriod: CPU_PERIOD_US };
}

/** A cpuset list as the kernel takes it: "0-1,3". */
export function parseCpuset(text: string): string {
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(text)) throw new InvalidArgumentError(`--cpuset-cpus ${JSON.stringify(text)}: give CPUs like 0-1 or 0,2`);
  return text;
}

export interface ResourceOptions {
  memory: string | undefined;
  cpus: number | undefined;
  cpuShares: number | undefined;
  cpusetCpus: string | undefined;
  pidsLimit: number | undefined;
}

export function parseResources(options: ResourceOptions, hostCpus: number): ContainerResources {
  const resources: ContainerResources = {};
  if (options.memory !== undefined) resources.memoryBytes = parseMemory(options.memory);
  if (options.cpus !== undefined) Object.assign(resources, parseCpus(options.cpus, hostCpus));
  if (options.cpuShares !== undefined) resources.cpuShares = positiveInteger(options.cpuShares, '--cpu-shares');
  if (options.cpusetCpus !== undefined) resources.cpusetCpus = parseCpuset(options.cpusetCpus);
  if (options.pidsLimit !== undefined) resources.pidsLimit = positiveInteger(options.pidsLimit, '--pids-limit');
  return resources;
}

function positiveInteger(value: number, option: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new InvalidArgumentError(`${option} ${value}: give a positive whole number`);
  return value;
}
