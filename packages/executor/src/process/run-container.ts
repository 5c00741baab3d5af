import { attachTerminal } from '../terminal/attach-terminal.ts';
import type { ExitStatus } from './exit-status.ts';
import { type ContainerProcess, type StartOptions, startContainer } from './start-container.ts';

/** Signals to layerctl that are passed on to the container, as `docker run` does in the foreground. */
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export interface RunOptions extends StartOptions {
  /** Aborting kills the container (SIGKILL). */
  signal?: AbortSignal;
  /** Called once the program runs, with its handle (its pid, say, for `ps`, `stop` or `kill`). */
  onStart?: (container: ContainerProcess) => void;
}

/**
 * Starts the container and waits for it. SIGINT, SIGTERM and SIGHUP sent to this process go to
 * the container's PID 1 instead (which, like any PID 1, ignores those it has no handler for);
 * an abort of `signal` kills it. A terminal container is attached to this process's own terminal
 * (raw mode, window size, restored on exit). Rejects with ContainerStartError when the program never ran.
 */
export async function runContainer(options: RunOptions): Promise<ExitStatus> {
  options.signal?.throwIfAborted();
  const container = await startContainer(options);
  options.onStart?.(container);
  const attachment = container.terminal === undefined ? undefined : attachTerminal(container.terminal);
  const forward = (signal: NodeJS.Signals): void => container.kill(signal);
  const abort = (): void => container.kill('SIGKILL');
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  options.signal?.addEventListener('abort', abort, { once: true });
  // Aborted while the container was starting: the listener above came too late to hear it.
  if (options.signal?.aborted === true) abort();
  try {
    const status = await container.wait();
    // What the program wrote last is still in the pty until the master reads to EIO.
    await attachment?.closed;
    return status;
  } finally {
    attachment?.detach();
    for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
    options.signal?.removeEventListener('abort', abort);
  }
}
