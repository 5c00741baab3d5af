import React from 'react';
import type { RunStep } from './run-progress.ts';

/** The marks of a step that runs and of one that is done. */
const RUNNING_MARK = '…';
const DONE_MARK = '✔';

export interface RunProgressViewProps {
  /** The steps so far, oldest first. */
  steps: readonly RunStep[];
}

/** One line per step: its mark, its text, and how long it took once done. Pure: props in, elements out. */
export function RunProgressView({ steps }: RunProgressViewProps, ink: typeof import('ink')): React.ReactElement {
  const { Box, Text } = ink;
  return React.createElement(
    Box,
    { flexDirection: 'column' },
    ...steps.map((step) =>
      React.createElement(
        Text,
        { key: step.name, dimColor: step.endedAt !== undefined },
        step.endedAt === undefined ? `${RUNNING_MARK} ${step.text}` : `${DONE_MARK} ${step.text} (${step.endedAt - step.startedAt} ms)`,
      ),
    ),
  );
}

/** Draws the steps with Ink on `stream` until close(), which leaves the last frame and gives the terminal back. */
export async function showRunProgress(stream: NodeJS.WritableStream): Promise<{ update(steps: readonly RunStep[]): void; close(): Promise<void> }> {
  const ink = await import('ink');
  const element = (steps: readonly RunStep[]): React.ReactElement => RunProgressView({ steps }, ink);
  const instance = ink.render(element([]), { stdout: stream, patchConsole: false, exitOnCtrlC: false });
  return {
    update(steps) {
      instance.rerender(element(steps));
    },
    async close() {
      instance.unmount();
      await instance.waitUntilExit();
    },
  };
}
