import type { ExitStatus } from './exit-status.ts';
import { type StartOptions, startContainer } from './start-container.ts';

/** Signals to layerctl that are passed on to the container, as `docker run` does in the foreground. */
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Starts the container and waits for it. SIGINT, SIGTERM and SIGHUP sent to this process go to
 * the container's PID 1 instead (which, like any PID 1, ignores those it has no handler for);
 * an abort of `signal` kills it. Rejects with ContainerStartError when the program never ran.
 */
export async function runContainer(options: StartOptions & { signal?: AbortSignal }): Promise<ExitStatus> {
  options.signal?.throwIfAborted();
  const container = await startContainer(options);
  const forward = (signal: NodeJS.Signals): void => container.kill(signal);
  const abort = (): void => container.kill('SIGKILL');
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    return await container.wait();
  } finally {
    for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
    options.signal?.removeEventListener('abort', abort);
  }
}
