import { PassThrough, type Readable } from 'node:stream';

/**
 * A container's stdout or stderr pipe, read from now on into a stream of our own. Once a child
 * has exited, Node drains and discards its pipes that nobody reads yet, and a quick program (a
 * build's `RUN chmod ...`) exits before its caller has had the pipe to read: what it printed
 * would be lost. Taken at once, the output waits in the stream for its reader, with backpressure
 * on the pipe while the reader lags.
 */
export function keepOutput(pipe: Readable | null): Readable | undefined {
  if (pipe === null) return undefined;
  const kept = new PassThrough();
  pipe.on('error', (error) => kept.destroy(error));
  return pipe.pipe(kept);
}
