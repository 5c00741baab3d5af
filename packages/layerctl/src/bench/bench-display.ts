/**
 * Where the bench's progress goes (stderr): plain lines without a terminal (CI logs), JSON lines
 * with --progress json, and in a terminal an Ink view of where the bench is (filesystem, driver,
 * workload, each with how far along) and its last lines. Ink is imported only for the terminal:
 * it costs most of a second.
 */
export interface BenchDisplay {
  line(text: string): void;
  /** Leaves the last frame and gives the terminal back. */
  close(): Promise<void>;
}

export type ProgressMode = 'auto' | 'tty' | 'plain' | 'json';

export interface BenchProgressState {
  /** "ext4 1/2 · overlay2 1/3 · DiffN 4/13": where the last line was said, from its [prefix]. */
  where: string;
  /** The last few lines, without their prefix, oldest first. */
  recent: string[];
  startedAt: number;
}

/** Lines the terminal view keeps below the position. */
export const RECENT_LINES = 4;

/** The state after `text`: a `[where] message` line moves the position, any line joins the recent ones. */
export function benchProgressState(state: BenchProgressState, text: string): BenchProgressState {
  const match = /^\[([^\]]*)\] (.*)$/s.exec(text);
  const where = match?.[1] ?? state.where;
  const message = match?.[2] ?? text;
  return { ...state, where, recent: [...state.recent, message].slice(-RECENT_LINES) };
}

export async function openBenchDisplay(mode: ProgressMode, stream: NodeJS.WritableStream & { isTTY?: boolean }): Promise<BenchDisplay> {
  const chosen = mode === 'auto' ? (stream.isTTY === true ? 'tty' : 'plain') : mode;
  if (chosen === 'tty') {
    const { showBenchProgress } = await import('./bench-display-view.ts');
    return showBenchProgress(stream);
  }
  const format = chosen === 'json' ? (text: string) => JSON.stringify({ time: new Date().toISOString(), text }) : (text: string) => text;
  return { line: (text) => void stream.write(`${format(text)}\n`), close: async () => {} };
}
