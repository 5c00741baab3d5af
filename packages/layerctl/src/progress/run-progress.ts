/**
 * What `run` reports while it prepares a container: plain events, which the terminal display
 * (run-progress-view.ts, Ink), plain lines and JSON lines all read. The fold into a view model is
 * a plain reducer (runSteps), tested without a terminal.
 */
export type RunStepName = 'unpack' | 'layers' | 'mount';

export interface RunStep {
  name: RunStepName;
  text: string;
  startedAt: number;
  /** undefined while the step runs. */
  endedAt: number | undefined;
}

export interface RunProgress {
  /** A step begins; the one before it (if any) has ended. */
  step(name: RunStepName, text: string): void;
  /** Preparation is over: the display is taken down and the terminal is the container's. */
  close(): Promise<void>;
}

/** The steps so far after a new one begins at `now`. */
export function runSteps(steps: readonly RunStep[], name: RunStepName, text: string, now: number): RunStep[] {
  return [...endAll(steps, now), { name, text, startedAt: now, endedAt: undefined }];
}

export function endAll(steps: readonly RunStep[], now: number): RunStep[] {
  return steps.map((step) => (step.endedAt === undefined ? { ...step, endedAt: now } : step));
}

export type ProgressMode = 'auto' | 'tty' | 'plain' | 'json';

/** Where progress goes: stderr, whose isTTY says whether a terminal display can be drawn. */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean };

/**
 * The display for `mode` on `stream` (stderr: stdout is the container's). In a terminal, Ink is
 * loaded only once a slow step (unpacking) begins, or from the first step with --progress tty:
 * loading it costs most of a second, far more than a container whose image is unpacked takes
 * to prepare. Without a terminal, `auto` prints only the slow step; `plain` prints every step.
 */
export function runProgress(mode: ProgressMode, stream: ProgressStream): RunProgress {
  if (mode === 'json') return lineProgress(stream, (step) => JSON.stringify({ step: step.name, text: step.text, time: new Date(step.startedAt).toISOString() }));
  if (mode === 'plain') return lineProgress(stream, (step) => step.text);
  if (mode === 'tty' || stream.isTTY === true) return terminalProgress(stream, mode === 'tty');
  return lineProgress(stream, (step) => step.text, (step) => step.name === 'unpack');
}

function lineProgress(stream: NodeJS.WritableStream, format: (step: RunStep) => string, shown: (step: RunStep) => boolean = () => true): RunProgress {
  return {
    step(name, text) {
      const step = { name, text, startedAt: Date.now(), endedAt: undefined };
      if (shown(step)) stream.write(`${format(step)}\n`);
    },
    async close() {},
  };
}

type View = Awaited<ReturnType<typeof import('./run-progress-view.ts')['showRunProgress']>>;

function terminalProgress(stream: ProgressStream, always: boolean): RunProgress {
  let steps: RunStep[] = [];
  let view: Promise<View> | undefined;
  return {
    step(name, text) {
      steps = runSteps(steps, name, text, Date.now());
      if (view === undefined && (always || name === 'unpack')) view = import('./run-progress-view.ts').then(({ showRunProgress }) => showRunProgress(stream));
      const current = steps;
      void view?.then((shown) => shown.update(current));
    },
    async close() {
      if (view === undefined) return;
      const shown = await view;
      shown.update(endAll(steps, Date.now()));
      await shown.close();
    },
  };
}
