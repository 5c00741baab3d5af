import { once } from 'node:events';
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { FailedPreconditionError } from '@layerctl/sys';
import { errorCode } from '@layerctl/snapshotter';
import { containerPaths } from './container-paths.ts';
import { isLive } from './container-signals.ts';
import type { ContainerRecord } from './container-store.ts';

/** How often `logs -f` looks for new output and whether the container still runs. */
const FOLLOW_POLL_MS = 100;
const CHUNK_BYTES = 64 * 1024;
/** A log holds the container's output; only its owner reads it. */
export const LOG_MODE = 0o600;

/**
 * Copies the container's log (stdout and stderr of a detached container, as written) to `out`,
 * a chunk at a time with backpressure. With `current` (logs -f), keeps reading as the log grows
 * until the container is no longer running, then copies what is left.
 */
export async function followLog(rootDir: string, record: ContainerRecord, out: NodeJS.WritableStream, current?: () => ContainerRecord): Promise<void> {
  const file = containerPaths(rootDir, record.id).log;
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw err;
    throw new FailedPreconditionError(`container ${record.name} has no log: it ran in the foreground with a terminal (-t), whose output is not kept`);
  }
  try {
    const buffer = Buffer.alloc(CHUNK_BYTES);
    for (;;) {
      await copyAvailable(fd, buffer, out);
      if (current === undefined) return;
      if (!isLive(current())) {
        await copyAvailable(fd, buffer, out);
        return;
      }
      await sleep(FOLLOW_POLL_MS);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Copies each of the container's output streams to its destination (our stdout or stderr) and
 * to the log file, a chunk at a time, with the destination's backpressure. Streams not given
 * (not piped) are skipped.
 */
export async function teeOutput(logFile: string, streams: ReadonlyArray<[Readable | undefined, NodeJS.WritableStream]>): Promise<void> {
  const piped = streams.filter((pair): pair is [Readable, NodeJS.WritableStream] => pair[0] !== undefined);
  if (piped.length === 0) return;
  const log = fs.openSync(logFile, 'a', LOG_MODE);
  try {
    await Promise.all(
      piped.map(async ([from, to]) => {
        for await (const chunk of from) {
          const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
          fs.writeSync(log, bytes);
          if (!to.write(bytes)) await once(to, 'drain');
        }
      }),
    );
  } finally {
    fs.closeSync(log);
  }
}

async function copyAvailable(fd: number, buffer: Buffer, out: NodeJS.WritableStream): Promise<void> {
  for (let read = fs.readSync(fd, buffer); read > 0; read = fs.readSync(fd, buffer)) {
    if (!out.write(Buffer.from(buffer.subarray(0, read)))) await new Promise((resolve) => out.once('drain', resolve));
  }
}
