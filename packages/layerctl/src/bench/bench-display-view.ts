import React from 'react';
import { type BenchDisplay, benchProgressState, type BenchProgressState } from './bench-display.ts';

/** The position line, then the recent lines dimmed. Pure: props in, elements out. */
export function BenchProgressView({ state, now }: { state: BenchProgressState; now: number }, ink: typeof import('ink')): React.ReactElement {
  const { Box, Text } = ink;
  const elapsed = Math.round((now - state.startedAt) / 1000);
  return React.createElement(
    Box,
    { flexDirection: 'column' },
    React.createElement(Text, { bold: true }, `layerctl bench drivers · ${elapsed} s`),
    React.createElement(Text, { color: 'cyan' }, state.where === '' ? 'starting' : state.where),
    ...state.recent.map((line, i) => React.createElement(Text, { key: i, dimColor: true, wrap: 'truncate-end' }, line)),
  );
}

/** Draws the bench's progress with Ink on `stream` until close(). */
export async function showBenchProgress(stream: NodeJS.WritableStream): Promise<BenchDisplay> {
  const ink = await import('ink');
  let state: BenchProgressState = { where: '', recent: [], startedAt: Date.now() };
  let closed = false;
  const element = (): React.ReactElement => BenchProgressView({ state, now: Date.now() }, ink);
  const instance = ink.render(element(), { stdout: stream, patchConsole: false, exitOnCtrlC: false });
  return {
    line(text) {
      state = benchProgressState(state, text);
      if (!closed) instance.rerender(element());
    },
    async close() {
      if (closed) return;
      closed = true;
      instance.rerender(element());
      instance.unmount();
      await instance.waitUntilExit();
    },
  };
}
