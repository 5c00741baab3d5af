import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { FailedPreconditionError } from '@layerctl/sys';
import { errorCode } from '@layerctl/snapshotter';
import { containerPaths } from './container-paths.ts';
import { isLive } from './container-signals.ts';
import type { ContainerRecord } from './container-store.ts';

/** How often `logs -f` looks for new output and whether the container still runs. */
const FOLLOW_POLL_MS = 100;
const CHUNK_BYTES = 64 * 1024;

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
    throw new FailedPreconditionError(`container ${record.name} has no log: only a detached container (run -d) keeps one`);
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

async function copyAvailable(fd: number, buffer: Buffer, out: NodeJS.WritableStream): Promise<void> {
  for (let read = fs.readSync(fd, buffer); read > 0; read = fs.readSync(fd, buffer)) {
    if (!out.write(Buffer.from(buffer.subarray(0, read)))) await new Promise((resolve) => out.once('drain', resolve));
  }
}
