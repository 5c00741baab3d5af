import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LayerctlError } from '@layerctl/sys';

/** What phase.ts prints: the phase's own time (Node start-up and module loading excluded) and its peak RSS. */
export interface PhaseReport {
  ms: number;
  /** CPU time of the whole process (every thread) during the work, and of its main thread alone. */
  cpuMs: number;
  mainThreadCpuMs: number;
  maxRssBytes: number;
  /** RSS before the work began (Node, type stripping, our modules loaded). */
  startRssBytes: number;
  /** Peaks sampled during the work. */
  memory: { heapUsedBytes: number; arrayBuffersBytes: number };
  blob?: { diffId: string; digest: string; size: number; uncompressedSize: number };
}

/** One timed run of anything: ours (a phase.ts child) or a baseline shell pipeline. */
export interface Sample {
  ms: number;
  /** CPU time: of our process, or of every process of a pipeline together (when measured). */
  cpuMs?: number;
  /** Our main thread's CPU time; undefined for a pipeline. */
  mainThreadCpuMs?: number;
  /** Peak RSS of our process; undefined for a baseline (the pipeline's memory is not the goal). */
  maxRssBytes: number | undefined;
  /** Our process only: its RSS before the work, and the JS heap and Buffer peaks during it. */
  startRssBytes?: number;
  heapUsedBytes?: number;
  arrayBuffersBytes?: number;
}

export interface Summary {
  medianMs: number;
  medianCpuMs?: number;
  medianMainThreadCpuMs?: number;
  minMs: number;
  maxMs: number;
  /** Highest peak RSS over the runs. */
  maxRssBytes: number | undefined;
  /** Highest of each over the runs (ours only). */
  startRssBytes?: number;
  heapUsedBytes?: number;
  arrayBuffersBytes?: number;
}

/** phase.ts itself, run through Node's type stripper (--from-source); the bench normally runs its bundle. */
export const PHASE_SOURCE = fileURLToPath(new URL('./phase.ts', import.meta.url));

/**
 * Starts the bench's child processes and keeps track of them, so an interrupted bench can stop
 * every one it started (and only those) before it removes its work dir. Each child leads its own
 * process group: a pipeline's tar and zstd go down with it, and Ctrl-C reaches the bench alone.
 */
export class Runner {
  readonly #live = new Set<ChildProcess>();
  #stopped = false;
  /** What our phases run: phase.ts's bundle (phase-bundle.ts) or phase.ts itself. */
  readonly #phaseScript: string;
  /** Extra node flags for our phases, e.g. --cpu-prof. */
  readonly #nodeFlags: string[];

  constructor(nodeFlags: string[] = [], phaseScript: string = PHASE_SOURCE) {
    this.#phaseScript = phaseScript;
    this.#nodeFlags = nodeFlags;
  }

  async phase(args: string[]): Promise<PhaseReport> {
    const { stdout } = await this.#run(process.execPath, [...this.#nodeFlags, this.#phaseScript, ...args]);
    return parsePhaseReport(stdout, args);
  }

  /**
   * Runs a bash pipeline under pipefail; its time counts from spawn to exit. Bash's `times`
   * then prints the CPU time of the pipeline's processes (its children) as its last line.
   */
  async shell(script: string): Promise<Sample> {
    const started = process.hrtime.bigint();
    const { stdout } = await this.#run('bash', ['-o', 'pipefail', '-c', `${script} || exit; times`]);
    return { ms: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: childrenCpuMs(stdout), maxRssBytes: undefined };
  }

  /** Kills every child still running (its whole group) and waits until they are gone. */
  async stopAll(): Promise<void> {
    this.#stopped = true;
    const exits = [...this.#live].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
        }),
    );
    await Promise.all(exits);
  }

  #run(command: string, args: string[]): Promise<{ stdout: string }> {
    if (this.#stopped) return Promise.reject(new LayerctlError(`${describeCommand(command, args)}: not started, the bench is stopping`));
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      this.#live.add(child);
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
      child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
      child.once('error', (error) => {
        this.#live.delete(child);
        reject(error);
      });
      child.once('close', (code, signal) => {
        this.#live.delete(child);
        if (code === 0) resolve({ stdout });
        else reject(new LayerctlError(`${describeCommand(command, args)}: ${signal ?? `exit status ${code}`}: ${errorLines(stderr)}`));
      });
    });
  }
}

/**
 * `times` prints the shell's user and system time, then its children's: `0m1.234s 0m0.056s`.
 * undefined when the script ended the shell itself (an `exit` of its own) before `times` ran.
 */
function childrenCpuMs(stdout: string): number | undefined {
  const last = stdout.trim().split('\n').at(-1) ?? '';
  const match = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/.exec(last);
  if (match === null) return undefined;
  const [, userMin, userSec, sysMin, sysSec] = match.map(Number);
  return ((userMin ?? 0) * 60 + (userSec ?? 0) + (sysMin ?? 0) * 60 + (sysSec ?? 0)) * 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

export function summarize(samples: Sample[]): Summary {
  const times = samples.map((s) => s.ms).sort((a, b) => a - b);
  const medianMs = median(times);
  const measured = (pick: (s: Sample) => number | undefined): number | undefined => {
    const values = samples.map(pick).filter((v): v is number => v !== undefined);
    return values.length > 0 ? median(values) : undefined;
  };
  const highest = (pick: (s: Sample) => number | undefined): number | undefined => {
    const values = samples.map(pick).filter((v): v is number => v !== undefined);
    return values.length > 0 ? Math.max(...values) : undefined;
  };
  return {
    medianMs,
    medianCpuMs: measured((s) => s.cpuMs),
    medianMainThreadCpuMs: measured((s) => s.mainThreadCpuMs),
    minMs: times[0] ?? 0,
    maxMs: times.at(-1) ?? 0,
    maxRssBytes: highest((s) => s.maxRssBytes),
    startRssBytes: highest((s) => s.startRssBytes),
    heapUsedBytes: highest((s) => s.heapUsedBytes),
    arrayBuffersBytes: highest((s) => s.arrayBuffersBytes),
  };
}

/** What a failed child said, without its stack trace or Node's source excerpt. */
function errorLines(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim());
  const error = lines.findIndex((line) => /^[A-Za-z]*Error\b|^[a-z]+: /.test(line));
  return (error === -1 ? lines.filter((line) => line !== '').slice(-3) : lines.slice(error, error + 3).filter((line) => !line.startsWith('at '))).join(' | ');
}

function describeCommand(command: string, args: string[]): string {
  return command === 'bash' ? `pipeline ${JSON.stringify(args.at(-1))}` : `phase ${args.filter((a) => !a.startsWith('--cpu-prof')).slice(1).join(' ')}`;
}

/** The child's last stdout line, checked field by field: it is data from another process. */
function parsePhaseReport(stdout: string, args: string[]): PhaseReport {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new LayerctlError(`phase ${args.join(' ')}: printed no report (${JSON.stringify(line.slice(0, 200))})`, { cause: error });
  }
  const memory = isRecord(value) ? value.memory : undefined;
  if (
    !isRecord(value) ||
    typeof value.ms !== 'number' ||
    typeof value.cpuMs !== 'number' ||
    typeof value.mainThreadCpuMs !== 'number' ||
    typeof value.maxRssBytes !== 'number' ||
    typeof value.startRssBytes !== 'number' ||
    !isRecord(memory) ||
    typeof memory.heapUsedBytes !== 'number' ||
    typeof memory.arrayBuffersBytes !== 'number'
  ) {
    throw new LayerctlError(`phase ${args.join(' ')}: report lacks ms, cpuMs, mainThreadCpuMs, maxRssBytes, startRssBytes or memory: ${line.slice(0, 200)}`);
  }
  return {
    ms: value.ms,
    cpuMs: value.cpuMs,
    mainThreadCpuMs: value.mainThreadCpuMs,
    maxRssBytes: value.maxRssBytes,
    startRssBytes: value.startRssBytes,
    memory: { heapUsedBytes: memory.heapUsedBytes, arrayBuffersBytes: memory.arrayBuffersBytes },
    blob: parseBlob(value.blob),
  };
}

function parseBlob(value: unknown): PhaseReport['blob'] {
  if (value === undefined) return undefined;
  if (
    !isRecord(value) ||
    typeof value.diffId !== 'string' ||
    typeof value.digest !== 'string' ||
    typeof value.size !== 'number' ||
    typeof value.uncompressedSize !== 'number'
  ) {
    throw new LayerctlError(`phase report: blob is not { diffId, digest, size, uncompressedSize }: ${JSON.stringify(value)}`);
  }
  return { diffId: value.diffId, digest: value.digest, size: value.size, uncompressedSize: value.uncompressedSize };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
