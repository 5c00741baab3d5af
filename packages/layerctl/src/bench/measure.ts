import { setImmediate } from 'node:timers/promises';
import { summarize } from '../../../../bench/archive/measure.ts';
import { timedAsync } from '../../../../bench/snapshots/bench-context.ts';

/**
 * One figure's method, the same for every workload: `warmups` rounds that are thrown away, then
 * `runs` rounds, each timed apart; the figure is their median with min and max (the archive and
 * snapshot benches' summarize). A round may time a part of itself only (setup untimed) by
 * returning the milliseconds it measured.
 */

export interface Plan {
  runs: number;
  warmups: number;
}

export interface Measured {
  medianMs: number;
  minMs: number;
  maxMs: number;
  runs: number;
  warmups: number;
}

/** Runs `round` warmups + runs times (round numbers from 0, warm-ups first) and summarizes the measured ones. */
export async function measure(plan: Plan, signal: AbortSignal, round: (index: number) => Promise<number>): Promise<Measured> {
  const samples: Array<{ ms: number; maxRssBytes: undefined }> = [];
  for (let index = 0; index < plan.warmups + plan.runs; index++) {
    await checkpoint(signal);
    const ms = await round(index);
    if (index >= plan.warmups) samples.push({ ms, maxRssBytes: undefined });
  }
  const { medianMs, minMs, maxMs } = summarize(samples);
  return { medianMs, minMs, maxMs, runs: plan.runs, warmups: plan.warmups };
}

/** Milliseconds `work` takes. */
export async function time(work: () => Promise<unknown> | unknown): Promise<number> {
  return (await timedAsync(async () => work())).ms;
}

/** Milliseconds per call of `work`, over `calls` calls in a row: for operations far below a timer's resolution. */
export async function timePerCall(calls: number, work: () => unknown): Promise<number> {
  return (await time(() => {
    for (let i = 0; i < calls; i++) work();
  })) / calls;
}

/**
 * Between two steps: lets the event loop turn, then stops if Ctrl-C came. Drivers and the
 * snapshotter do their work synchronously (their promises resolve without waiting), so without
 * the turn the signal's listener would never run while a workload loops.
 */
export async function checkpoint(signal: AbortSignal): Promise<void> {
  await setImmediate();
  signal.throwIfAborted();
}
