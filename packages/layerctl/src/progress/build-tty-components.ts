import React, { useEffect, useState, useSyncExternalStore } from 'react';
import { Box, Static, Text, useWindowSize, type StaticProps } from 'ink';
import { humanSize } from '../output/human-size.ts';
import { doneCount, finishedSteps, type BuildView, type StepView } from './build-view-model.ts';

/**
 * The terminal build display (BuildKit's tty display in spirit), drawn with Ink. Components are
 * pure (props in, elements out); the view comes from a store the event sink feeds, and the clock
 * that moves spinners and running times is one hook.
 *
 *   [+] Building 3.2s (4/6)
 *    => CACHED [1/6] FROM busybox
 *    => [2/6] COPY app.sh /app/                          0.1s  4.1kB
 *    ⠙ [3/6] RUN ./build.sh                              2.3s
 *      > compiling part 3
 */

/** Braille spinner frames, as BuildKit and most CLIs draw them. */
export const SPINNER_FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'] as const;

/** How often the spinner and running times move. */
const TICK_MS = 100;

/** Lines kept free of running steps: the header and a spare line so the frame never scrolls. */
const RESERVED_ROWS = 2;

export interface BuildStore {
  subscribe(listener: () => void): () => void;
  getView(): BuildView;
}

export interface BuildProgressProps {
  view: BuildView;
  /** The clock, in ms since the epoch. */
  now: number;
  columns: number;
  rows: number;
}

const h = React.createElement;

/** Static for finished steps (its item type fixed, so createElement can check the render function). */
const StaticSteps: (props: StaticProps<StepView>) => React.JSX.Element = Static;

/** The whole display for one moment: finished steps printed once (Static), then the header and the running steps. */
export function BuildProgress({ view, now, columns, rows }: BuildProgressProps): React.ReactElement {
  const running = view.steps.filter((step) => step.status === 'running');
  return h(
    Box,
    { flexDirection: 'column' },
    h(StaticSteps, { items: finishedSteps(view), children: (step: StepView) => h(FinishedStep, { key: step.step, step, columns }) }),
    h(Header, { view, now }),
    ...runningLines(running, now, columns, Math.max(rows - RESERVED_ROWS, 1)),
  );
}

export function Header({ view, now }: { view: BuildView; now: number }): React.ReactElement {
  const elapsed = view.finished?.ms ?? (view.startedAt === undefined ? 0 : now - view.startedAt);
  const state = view.finished !== undefined ? 'Finished' : 'Building';
  return h(Text, { bold: true }, `[+] ${state} ${seconds(elapsed)}s (${doneCount(view)}/${view.total})`);
}

export function FinishedStep({ step, columns }: { step: StepView; columns: number }): React.ReactElement {
  if (step.status === 'cached') return h(Text, { wrap: 'truncate' }, fit(` => CACHED ${step.name}`, columns));
  const time = `${seconds(step.ms ?? 0)}s`;
  const size = step.layerSize === undefined ? '' : `  ${humanSize(step.layerSize)}`;
  if (step.status === 'failed') {
    return h(Box, { flexDirection: 'column' }, h(Text, { color: 'red', wrap: 'truncate' }, fit(` => ERROR ${step.name}  ${time}`, columns)), h(Text, { color: 'red', wrap: 'truncate' }, fit(`    ${step.error ?? ''}`, columns)));
  }
  return h(Text, { color: 'blue', wrap: 'truncate' }, withRight(` => ${step.name}`, `${time}${size}`, columns));
}

/**
 * Running steps and the last lines of their output, cut to `maxRows` lines so the live part of
 * the frame never outgrows the screen: output lines go first, then whole steps are left out
 * with a line saying how many.
 */
function runningLines(running: StepView[], now: number, columns: number, maxRows: number): React.ReactElement[] {
  const frame = SPINNER_FRAMES[Math.floor(now / TICK_MS) % SPINNER_FRAMES.length] ?? '';
  const logBudget = Math.max(maxRows - running.length, 0);
  const perStep = running.length === 0 ? 0 : Math.floor(logBudget / running.length);
  const lines: React.ReactElement[] = [];
  const shown = running.slice(0, maxRows);
  for (const step of shown) {
    lines.push(h(Text, { key: `s${step.step}`, color: 'cyan', wrap: 'truncate' }, withRight(` ${frame} ${step.name}`, `${seconds(now - step.startedAt)}s`, columns)));
    const logs = perStep === 0 ? [] : step.logs.slice(-perStep);
    for (const [i, line] of logs.entries()) {
      lines.push(h(Text, { key: `s${step.step}l${i}`, dimColor: true, wrap: 'truncate' }, fit(`   > ${line}`, columns)));
    }
  }
  if (shown.length < running.length) lines.push(h(Text, { key: 'more', dimColor: true }, ` … ${running.length - shown.length} more running`));
  return lines;
}

/** The live display: reads the store and the terminal size, ticks the clock. */
export function BuildProgressApp({ store }: { store: BuildStore }): React.ReactElement {
  const view = useSyncExternalStore(store.subscribe, store.getView);
  const { columns, rows } = useWindowSize();
  const now = useClock(view.finished === undefined);
  return h(BuildProgress, { view, now, columns, rows });
}

/** The current time, moving every TICK_MS while `running`. */
function useClock(running: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!running) return undefined;
    const timer = setInterval(() => setNow(Date.now()), TICK_MS);
    return () => clearInterval(timer);
  }, [running]);
  return now;
}

function seconds(ms: number): string {
  return (Math.max(ms, 0) / 1000).toFixed(1);
}

/** `text` cut to `columns` characters, ending in '…' when cut. */
export function fit(text: string, columns: number): string {
  if (columns <= 0) return '';
  return text.length <= columns ? text : `${text.slice(0, Math.max(columns - 1, 0))}…`;
}

/** `left` and `right` on one line of `columns`, right-aligned; `left` is cut first when they do not fit. */
export function withRight(left: string, right: string, columns: number): string {
  const room = columns - right.length - 1;
  if (room < 1) return fit(left, columns);
  const cut = fit(left, room);
  return `${cut}${' '.repeat(columns - cut.length - right.length)}${right}`;
}
