import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate } from 'node:timers/promises';
import type { Snapshotter } from '@layerctl/snapshotter';
import { FailedPreconditionError } from '@layerctl/sys';
import { type Sample, type Summary, summarize } from '../archive/measure.ts';
import { mountsUnder } from './scratch-mounts.ts';

/** What every workload of the snapshot bench works with. */
export interface BenchContext {
  snapshotter: Snapshotter;
  /** The scratch dir: the snapshotter's root, mount targets and bare overlay dirs all live below it. */
  workDir: string;
  /** Aborted by SIGINT/SIGTERM; workloads check it between steps and stop by throwing. */
  signal: AbortSignal;
}

/**
 * Between two steps: lets the event loop turn, then stops if a signal came. The snapshotter's
 * calls do their work synchronously, so without the turn a signal's handler would never run.
 */
export async function checkpoint(context: BenchContext): Promise<void> {
  await setImmediate();
  context.signal.throwIfAborted();
}

/** Milliseconds one call takes, and what it returned. */
export function timed<T>(work: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = work();
  return { value, ms: performance.now() - started };
}

export async function timedAsync<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

/** Collects times by name and summarizes each (median, min, max). */
export class Timings<Name extends string> {
  readonly #samples = new Map<Name, Sample[]>();

  add(name: Name, ms: number): void {
    const list = this.#samples.get(name) ?? [];
    list.push({ ms, maxRssBytes: undefined });
    this.#samples.set(name, list);
  }

  summary(name: Name): Summary {
    return summarize(this.#samples.get(name) ?? []);
  }
}

/**
 * A fresh empty dir below the work dir (any earlier one of that name removed). Refuses a dir with
 * a mount at or below it: a recursive remove would delete what the mount shows, the layers.
 */
export function freshDir(context: BenchContext, ...names: string[]): string {
  const dir = path.join(context.workDir, ...names);
  const mounted = mountsUnder(dir);
  if (mounted.length > 0) throw new FailedPreconditionError(`bench: ${dir} still has a mount at ${mounted[0]}; not removing it`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
