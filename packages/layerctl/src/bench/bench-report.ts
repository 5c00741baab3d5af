import type { HostFacts } from './host-facts.ts';
import { InvalidArgumentError } from '@layerctl/sys';

/** What `layerctl bench drivers --json` prints; parseBenchReport checks a document against it. */
export interface BenchReport {
  format: typeof REPORT_FORMAT;
  date: string;
  quick: boolean;
  machine: MachineFacts;
  filesystems: Array<{ name: string; detail: string }>;
  /** Each driver asked for, per filesystem: whether it ran there, and its status() lines. */
  drivers: DriverRun[];
  workloads: Array<{ name: string; description: string }>;
  figures: Figure[];
  /** Workloads that failed on a driver: no figure, the error instead. */
  failures: Failure[];
  /** What cleanup did, and that nothing was left. */
  cleanup: string;
}

export const REPORT_FORMAT = 'layerctl-bench-drivers/1';

export interface MachineFacts extends HostFacts {
  loadAverageStart: number[];
  loadAverageEnd: number[];
}

export interface DriverRun {
  filesystem: string;
  driver: string;
  available: boolean;
  /** Why not, when it is not available; else what it chose (its status lines). */
  detail: string;
  status: Array<[string, string]>;
}

export interface Figure {
  filesystem: string;
  driver: string;
  workload: string;
  variant: string;
  metric: string;
  cold: boolean;
  medianMs: number;
  minMs: number;
  maxMs: number;
  runs: number;
  warmups: number;
}

export interface Failure {
  filesystem: string;
  driver: string;
  workload: string;
  error: string;
}

/** Checks a parsed --json document field by field; the error names the first field at fault. */
export function parseBenchReport(value: unknown): BenchReport {
  const doc = record(value, 'report');
  if (doc['format'] !== REPORT_FORMAT) throw invalid('format', `is not ${REPORT_FORMAT}`);
  const machine = record(doc['machine'], 'machine');
  return {
    format: REPORT_FORMAT,
    date: text(doc['date'], 'date'),
    quick: bool(doc['quick'], 'quick'),
    machine: {
      cpus: num(machine['cpus'], 'machine.cpus'),
      cpuModel: text(machine['cpuModel'], 'machine.cpuModel'),
      memoryGiB: num(machine['memoryGiB'], 'machine.memoryGiB'),
      kernel: text(machine['kernel'], 'machine.kernel'),
      node: text(machine['node'], 'machine.node'),
      loadAverageStart: list(machine['loadAverageStart'], 'machine.loadAverageStart').map((v, i) => num(v, `machine.loadAverageStart[${i}]`)),
      loadAverageEnd: list(machine['loadAverageEnd'], 'machine.loadAverageEnd').map((v, i) => num(v, `machine.loadAverageEnd[${i}]`)),
    },
    filesystems: list(doc['filesystems'], 'filesystems').map((v, i) => {
      const f = record(v, `filesystems[${i}]`);
      return { name: text(f['name'], `filesystems[${i}].name`), detail: text(f['detail'], `filesystems[${i}].detail`) };
    }),
    drivers: list(doc['drivers'], 'drivers').map((v, i) => driverRun(v, `drivers[${i}]`)),
    workloads: list(doc['workloads'], 'workloads').map((v, i) => {
      const w = record(v, `workloads[${i}]`);
      return { name: text(w['name'], `workloads[${i}].name`), description: text(w['description'], `workloads[${i}].description`) };
    }),
    figures: list(doc['figures'], 'figures').map((v, i) => figure(v, `figures[${i}]`)),
    failures: list(doc['failures'], 'failures').map((v, i) => {
      const f = record(v, `failures[${i}]`);
      const at = (key: string): string => text(f[key], `failures[${i}].${key}`);
      return { filesystem: at('filesystem'), driver: at('driver'), workload: at('workload'), error: at('error') };
    }),
    cleanup: text(doc['cleanup'], 'cleanup'),
  };
}

function driverRun(value: unknown, where: string): DriverRun {
  const d = record(value, where);
  return {
    filesystem: text(d['filesystem'], `${where}.filesystem`),
    driver: text(d['driver'], `${where}.driver`),
    available: bool(d['available'], `${where}.available`),
    detail: text(d['detail'], `${where}.detail`),
    status: list(d['status'], `${where}.status`).map((line, i) => {
      const pair = list(line, `${where}.status[${i}]`);
      return [text(pair[0], `${where}.status[${i}][0]`), text(pair[1], `${where}.status[${i}][1]`)];
    }),
  };
}

function figure(value: unknown, where: string): Figure {
  const f = record(value, where);
  const s = (key: string): string => text(f[key], `${where}.${key}`);
  const n = (key: string): number => num(f[key], `${where}.${key}`);
  const result = {
    filesystem: s('filesystem'),
    driver: s('driver'),
    workload: s('workload'),
    variant: s('variant'),
    metric: s('metric'),
    cold: bool(f['cold'], `${where}.cold`),
    medianMs: n('medianMs'),
    minMs: n('minMs'),
    maxMs: n('maxMs'),
    runs: n('runs'),
    warmups: n('warmups'),
  };
  if (!(result.minMs <= result.medianMs && result.medianMs <= result.maxMs && result.minMs >= 0)) throw invalid(where, `has min ${result.minMs}, median ${result.medianMs}, max ${result.maxMs}: not 0 <= min <= median <= max`);
  if (!Number.isInteger(result.runs) || result.runs < 1) throw invalid(`${where}.runs`, 'is not a whole number of at least 1');
  return result;
}

function invalid(field: string, problem: string): InvalidArgumentError {
  return new InvalidArgumentError(`bench report: ${field} ${problem}`);
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (!isRecord(value)) throw invalid(field, 'is not an object');
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function list(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw invalid(field, 'is not a list');
  return value;
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string') throw invalid(field, 'is not a string');
  return value;
}

function num(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(field, 'is not a finite number');
  return value;
}

function bool(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw invalid(field, 'is not true or false');
  return value;
}
