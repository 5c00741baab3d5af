import { Worker } from 'node:worker_threads';

/** Blob bytes per read and hash update. */
const HASH_CHUNK = 1024 * 1024;

/** The hashing thread's JS heap holds a hash object and one read buffer (outside the heap). */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8 };

/** What the hashing thread posts: the blob's digest, or why it could not read the blob. */
export type HashMessage = { kind: 'digest'; digest: string } | { kind: 'read-failed'; message: string };

interface HashInput {
  fd: number;
  algorithm: string;
  /** Shared with whoever started the thread: a non-zero `cancelledSlot` stops it at its next read. */
  control: SharedArrayBuffer;
  cancelledSlot: number;
  chunk: number;
}

/**
 * Hashes a whole blob file on a thread of its own, reading it through `fd` with positioned reads
 * (so another thread may read the same fd at the same time), and posts one HashMessage.
 *
 * Why a thread of its own and not the decoder's: an unpack alternates between stretches of small
 * files, where the main thread (writing them) is the slower one and the decoder waits, and
 * stretches of big files, where the decoder is the slower one and the main thread waits. Hashed
 * inside the decoder, the blob's sha256 lengthened the big-file stretches by a third; on a thread
 * of its own it runs in whichever CPU time the other two leave (bench/README.md, session 4).
 * The caller keeps `fd` open until the thread has exited.
 */
export function hashBlobInWorker(fd: number, algorithm: string, control: SharedArrayBuffer, cancelledSlot: number): Worker {
  const workerData: HashInput = { fd, algorithm, control, cancelledSlot, chunk: HASH_CHUNK };
  // Source text, not a file: the same code then runs from the TypeScript sources and from a bundle.
  return new Worker(`(${hashInWorker.toString()})(require)`, { eval: true, workerData, resourceLimits: WORKER_LIMITS });
}

/**
 * The thread's code. It runs as source text in a worker of its own, so it may use only `load`
 * (the worker's require; a parameter, which bundlers leave alone) and what it declares itself.
 */
function hashInWorker(load: NodeJS.Require): void {
  const { parentPort, workerData } = load('node:worker_threads') as typeof import('node:worker_threads');
  const nodeFs = load('node:fs') as typeof import('node:fs');
  const { createHash } = load('node:crypto') as typeof import('node:crypto');
  // Our own message from hashBlobInWorker, not outside data.
  const input = workerData as HashInput;
  const control = new Int32Array(input.control);
  const post = (message: HashMessage): void => parentPort?.postMessage(message);
  const hash = createHash(input.algorithm);
  const buffer = Buffer.allocUnsafe(input.chunk);
  for (let position = 0; ; ) {
    if (Atomics.load(control, input.cancelledSlot) !== 0) return;
    let read: number;
    try {
      read = nodeFs.readSync(input.fd, buffer, 0, buffer.length, position);
    } catch (error) {
      post({ kind: 'read-failed', message: error instanceof Error ? error.message : String(error) });
      return;
    }
    if (read === 0) break;
    position += read;
    hash.update(buffer.subarray(0, read));
  }
  post({ kind: 'digest', digest: `${input.algorithm}:${hash.digest('hex')}` });
}
