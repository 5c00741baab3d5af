import { Worker } from 'node:worker_threads';

/** Blob bytes per read and hash update. */
const HASH_CHUNK = 1024 * 1024;
/** The unit of the decoder's read position in the shared control array (an Int32 of MiB reaches 2 PiB). */
export const POSITION_UNIT = 1024 * 1024;
/** The decoder's position once it has read the whole blob: the hash is then all the reader waits for. */
export const READ_ALL = 0x7fff_ffff;
/**
 * The hashing thread runs at this nice value from when it is ahead of the decoder until it falls
 * LAG_UNITS behind it, so that it takes only CPU time the main thread and the decoder leave;
 * further behind, it runs at the process's own priority, so what is left to hash when the
 * decoder ends stays small (32 MiB: about 20 ms of sha256 here). It starts at that priority too:
 * a small blob is hashed at once, never at the mercy of a loaded machine.
 */
const BACKGROUND_NICE = 19;
const LAG_UNITS = 32;

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
  /** Where the decoder has read up to, in POSITION_UNITs (READ_ALL at the end). */
  decodedSlot: number;
  chunk: number;
  unit: number;
  readAll: number;
  backgroundNice: number;
  lag: number;
}

/**
 * Hashes a whole blob file on a thread of its own, reading it through `fd` with positioned reads
 * (so another thread may read the same fd at the same time), and posts one HashMessage.
 *
 * Why a thread of its own and not the decoder's: an unpack alternates between stretches of small
 * files, where the main thread (writing them) is the slower one and the decoder waits, and
 * stretches of big files, where the decoder is the slower one and the main thread waits. Hashed
 * inside the decoder, the blob's sha256 lengthened the big-file stretches by a third; on a thread
 * of its own it runs in whichever CPU time the other two leave (bench/README.md, session 4):
 * at a low priority while it keeps ahead of or near the decoder, since a thread that hashes
 * while both others have work slows both. Linux gives each thread a nice value of its own; only
 * root may raise it back, so other users' threads keep the process's priority throughout.
 * The caller keeps `fd` open until the thread has exited.
 */
export function hashBlobInWorker(fd: number, algorithm: string, control: SharedArrayBuffer, cancelledSlot: number, decodedSlot: number): Worker {
  const workerData: HashInput = {
    fd,
    algorithm,
    control,
    cancelledSlot,
    decodedSlot,
    chunk: HASH_CHUNK,
    unit: POSITION_UNIT,
    readAll: READ_ALL,
    backgroundNice: BACKGROUND_NICE,
    lag: LAG_UNITS,
  };
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
  const os = load('node:os') as typeof import('node:os');
  const normalNice = os.getPriority();
  let mayRenice = process.geteuid?.() === 0;
  let nice = normalNice;
  /** Sets this thread's nice value; on a refusal (a sandbox may forbid it) the thread stays as it is. */
  const renice = (value: number): void => {
    if (!mayRenice || value === nice) return;
    try {
      os.setPriority(value);
      nice = value;
    } catch {
      // Only the CPU share is at stake, never the result: give up on priorities for good.
      mayRenice = false;
    }
  };
  for (let position = 0; ; ) {
    if (Atomics.load(control, input.cancelledSlot) !== 0) return;
    const decoded = Atomics.load(control, input.decodedSlot);
    const hashed = Math.floor(position / input.unit);
    if (decoded === input.readAll || decoded - hashed > input.lag) renice(normalNice);
    else if (hashed > decoded) renice(Math.max(normalNice, input.backgroundNice));
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
