import fs from 'node:fs';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { DigestMismatchError, InvalidArgumentError, LayerctlError } from '@layerctl/sys';
import { DIGEST_ALGORITHM, type Digest } from '../content/digest.ts';
import { hashBlobInWorker, type HashMessage, POSITION_UNIT, READ_ALL } from './blob-hash-worker.ts';
import { RETURN_CHUNK } from './chunk-return.ts';

/**
 * Decoded bytes per chunk handed to the reader. 1 MiB: a quarter of the messages, credits and
 * stream steps of 256 KiB chunks, and bigger writes of big files; 1 GiB unpack, A/B twice under
 * load: process CPU 3.51-3.65 s -> 3.24-3.39 s, main thread 1.61-1.73 -> 1.49-1.61 s, peak RSS
 * the same (133 -> 135 MB) with the read-ahead kept at 8 MiB. (Session 3 measured 1 MiB chunks
 * at 146-168 MB on 256 MiB, but with 32 of them ahead.)
 */
const OUTPUT_CHUNK = 1024 * 1024;
/** Blob bytes per read in the worker. */
const INPUT_CHUNK = 1024 * 1024;
/**
 * Decoded chunks the worker may have sent that the reader has not taken yet: the worker goes on
 * decoding while the reader writes files, and a bomb costs no more than this many chunks. 8 MiB
 * rather than 2 MiB: on a shared machine either thread may lose its CPU for a while, and the
 * other then needs slack. 1 GiB unpack, alternating, load 2.6-4: 2.84-5.56 s against
 * 3.32-7.31 s, RSS +8-10 MB (the chunks are reused, chunk-return.ts).
 */
const READ_AHEAD_CHUNKS = 8;
/** Credits go back this many at a time (at most READ_AHEAD_CHUNKS, or the worker could starve). */
const CREDIT_BATCH = 2;

/**
 * The worker's JS heap holds a few small objects: its decoded chunks live outside it. Small
 * generations keep the thread's share of the process's memory small.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 };

/** Slots of the control array shared with the worker. */
const CREDITS = 0;
const CANCELLED = 1;
/** The decoder's read position, for the hashing thread (blob-hash-worker.ts). */
const DECODED = 2;

/** What the worker posts: a decoded chunk, the end of the blob, or why it stopped. */
type WorkerMessage =
  | { kind: 'chunk'; bytes: ArrayBuffer; length: number }
  | { kind: 'end' }
  | { kind: 'invalid'; message: string }
  | { kind: 'read-failed'; message: string };

interface WorkerInput {
  fd: number;
  /** Where chunks the reader is done with come back, to be decoded into again. */
  returns: MessagePort;
  zstdBinding: string;
  control: SharedArrayBuffer;
  /** The slot of `control` where the worker says how far it has read, in `positionUnit`s; `readAll` at the end. */
  decodedSlot: number;
  positionUnit: number;
  readAll: number;
  inputChunk: number;
  outputChunk: number;
}

/**
 * The tar of a zstd blob of the content store, decoded on a worker thread: the worker reads the
 * blob file and decodes it (zstd-napi, every frame in turn), and hands the decoded chunks over
 * without copying (transferred ArrayBuffers); a second thread hashes the same file meanwhile
 * (blob-hash-worker.ts says why apart). The main thread, which writes the files, then does nothing
 * per compressed byte; before, the hash, the zlib decoder's callbacks and three stream stages ran
 * on it, and it waited between them (bench/README.md).
 *
 * Backpressure: the worker sends a chunk only with a credit; the reader returns one for each
 * chunk it has taken, so at most READ_AHEAD_CHUNKS wait. Errors: bytes that are not zstd, or a
 * blob cut inside a frame, are InvalidArgumentError naming `what`; a blob that no longer matches
 * its digest is DigestMismatchError once it has been read to its end (the stream ends only when
 * both the decoder and the hash are done), as ContentStore.read does.
 * The window stays at zstd's default limit (2^27 bytes), which bounds what a hostile frame can ask.
 * Takes `fd` (open on the blob, at any position) and closes it.
 */
export function decodeBlobInWorker(fd: number, digest: Digest, what: string): Readable {
  return new WorkerDecodedBlob(fd, digest, what);
}

class WorkerDecodedBlob extends Readable {
  readonly #digest: Digest;
  readonly #what: string;
  readonly #control: Int32Array;
  readonly #worker: Worker;
  readonly #hasher: Worker;
  /** The decoder has sent the last chunk; the stream ends once the hash agrees. */
  #decoded = false;
  #hashed: string | undefined;
  /** Credits of the chunks received, not yet returned to the worker. */
  #owed = 0;
  #exited = false;
  #hasherExited = false;
  /** The worker's buffers now on this side, which may go back once the reader is done with them. */
  readonly #lent = new Set<ArrayBufferLike>();
  readonly #returns: MessagePort;

  constructor(fd: number, digest: Digest, what: string) {
    // One chunk at a time, as it came: a byte-mode stream would join chunks waiting together into
    // a new Buffer, a copy that could not go back to the worker.
    super({ objectMode: true, highWaterMark: 1 });
    this.#digest = digest;
    this.#what = what;
    const { port1, port2 } = new MessageChannel();
    this.#returns = port1;
    const control = new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);
    this.#control = new Int32Array(control);
    this.#control[CREDITS] = READ_AHEAD_CHUNKS;
    const workerData: WorkerInput = {
      fd,
      returns: port2,
      zstdBinding: createRequire(import.meta.url).resolve('zstd-napi/binding.js'),
      control,
      decodedSlot: DECODED,
      positionUnit: POSITION_UNIT,
      readAll: READ_ALL,
      inputChunk: INPUT_CHUNK,
      outputChunk: OUTPUT_CHUNK,
    };
    // Source text, not a file: the same code then runs from the TypeScript sources and from a bundle.
    this.#worker = new Worker(`(${decodeInWorker.toString()})(require)`, { eval: true, workerData, transferList: [port2], resourceLimits: WORKER_LIMITS });
    this.#worker.on('message', (message: WorkerMessage) => this.#received(message));
    this.#worker.on('error', (error) => this.destroy(new LayerctlError(`${what}: the zstd decoder thread failed: ${error.message}`, { cause: error })));
    this.#hasher = hashBlobInWorker(fd, DIGEST_ALGORITHM, control, CANCELLED, DECODED);
    this.#hasher.on('message', (message: HashMessage) => this.#hashReceived(message));
    this.#hasher.on('error', (error) => this.destroy(new LayerctlError(`${what}: the blob hashing thread failed: ${error.message}`, { cause: error })));
    // The fd is the threads' to read until both have exited, then ours to close.
    const closeWhenBothExited = (): void => {
      if (this.#exited && this.#hasherExited) fs.closeSync(fd);
    };
    this.#worker.once('exit', () => {
      this.#exited = true;
      this.#returns.close();
      closeWhenBothExited();
    });
    this.#hasher.once('exit', () => {
      this.#hasherExited = true;
      closeWhenBothExited();
    });
  }

  /**
   * Takes back a chunk this stream gave out, for the worker to decode into again (see
   * chunk-return.ts): the caller must be done with it and every view of it. Anything else is ignored.
   */
  [RETURN_CHUNK](chunk: Buffer): void {
    const buffer = chunk.buffer;
    if (chunk.byteOffset !== 0 || !(buffer instanceof ArrayBuffer) || !this.#lent.delete(buffer) || this.#exited) return;
    // Transferred: from now on any view of it left on this side reads as empty, never as new data.
    this.#returns.postMessage(buffer, [buffer]);
  }

  override _read(): void {
    this.#giveOwed();
  }

  /**
   * Asks the worker to stop and waits until it has: it stops at its next chunk. Not
   * Worker.terminate(), which aborts the whole process when it lands inside a zstd-napi call.
   */
  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    Atomics.store(this.#control, CANCELLED, 1);
    Atomics.notify(this.#control, CREDITS);
    const exited = (worker: Worker, gone: boolean): Promise<void> => (gone ? Promise.resolve() : new Promise((resolve) => worker.once('exit', () => resolve())));
    void Promise.all([exited(this.#worker, this.#exited), exited(this.#hasher, this.#hasherExited)]).then(() => done(error));
  }

  #received(message: WorkerMessage): void {
    if (this.destroyed) return;
    switch (message.kind) {
      case 'chunk':
        this.#lent.add(message.bytes);
        this.#owed++;
        if (this.push(Buffer.from(message.bytes, 0, message.length))) this.#giveOwed();
        return;
      case 'end':
        this.#decoded = true;
        this.#endWhenChecked();
        return;
      case 'invalid':
        this.destroy(new InvalidArgumentError(`${this.#what}: not valid zstd data: ${message.message}`));
        return;
      case 'read-failed':
        this.destroy(new LayerctlError(`${this.#what}: reading blob ${this.#digest} failed: ${message.message}`));
        return;
    }
  }

  #hashReceived(message: HashMessage): void {
    if (this.destroyed) return;
    if (message.kind === 'read-failed') {
      this.destroy(new LayerctlError(`${this.#what}: reading blob ${this.#digest} failed: ${message.message}`));
      return;
    }
    this.#hashed = message.digest;
    this.#endWhenChecked();
  }

  /** Ends the stream once the decoder is done and the blob is known to be the one asked for. */
  #endWhenChecked(): void {
    if (!this.#decoded || this.#hashed === undefined) return;
    if (this.#hashed !== this.#digest) this.destroy(new DigestMismatchError(`blob ${this.#digest}`, this.#digest, this.#hashed));
    else this.push(null);
  }

  /**
   * Returns credits CREDIT_BATCH at a time, and wakes the worker only if it had none (it waits
   * only then). A wake-up per chunk kept the two threads handing the CPU to each other: on a
   * 2-CPU machine the main thread lost it inside Atomics.notify, 228 ms of a 256 MiB unpack.
   * No deadlock: a worker out of credits has READ_AHEAD_CHUNKS (at least CREDIT_BATCH) chunks
   * on this side, which the reader takes in turn.
   */
  #giveOwed(): void {
    if (this.#owed < CREDIT_BATCH) return;
    const before = Atomics.add(this.#control, CREDITS, this.#owed);
    this.#owed = 0;
    if (before === 0) Atomics.notify(this.#control, CREDITS);
  }
}

/**
 * The worker's code. It runs as source text in a worker of its own, so it may use only `load`
 * (the worker's require; a parameter, which bundlers leave alone) and what it declares itself,
 * nothing of this module.
 */
function decodeInWorker(load: NodeJS.Require): void {
  const { parentPort, receiveMessageOnPort, workerData } = load('node:worker_threads') as typeof import('node:worker_threads');
  const nodeFs = load('node:fs') as typeof import('node:fs');
  // Our own message from decodeBlobInWorker, not outside data.
  const input = workerData as WorkerInput;
  const zstd = load(input.zstdBinding) as typeof import('zstd-napi/binding.js');
  const control = new Int32Array(input.control);
  const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []): void => parentPort?.postMessage(message, transfer);

  const dctx = new zstd.DCtx();
  const blob = Buffer.allocUnsafe(input.inputChunk);
  /** A buffer the reader gave back, else a new one. */
  const nextBuffer = (): ArrayBuffer => {
    const back: unknown = receiveMessageOnPort(input.returns)?.message;
    return back instanceof ArrayBuffer && back.byteLength === input.outputChunk ? back : new ArrayBuffer(input.outputChunk);
  };
  let out = nextBuffer();
  let filled = 0;
  /** Waits for a credit and sends what `out` holds; false once the reader is gone. */
  const send = (): boolean => {
    for (;;) {
      if (Atomics.load(control, 1) !== 0) return false;
      const credits = Atomics.load(control, 0);
      if (credits > 0 && Atomics.compareExchange(control, 0, credits, credits - 1) === credits) break;
      if (credits === 0) Atomics.wait(control, 0, 0);
    }
    post({ kind: 'chunk', bytes: out, length: filled }, [out]);
    out = nextBuffer();
    filled = 0;
    return true;
  };

  let position = 0;
  /** zstd's hint after the last call: 0 when a frame has just ended. */
  let inFrame = false;
  for (;;) {
    let read: number;
    try {
      read = nodeFs.readSync(input.fd, blob, 0, blob.length, position);
    } catch (error) {
      post({ kind: 'read-failed', message: error instanceof Error ? error.message : String(error) });
      return;
    }
    if (read === 0) break;
    position += read;
    Atomics.store(control, input.decodedSlot, Math.floor(position / input.positionUnit));
    let source = blob.subarray(0, read);
    for (;;) {
      let result: [number, number, number];
      try {
        result = dctx.decompressStream(new Uint8Array(out, filled), source);
      } catch (error) {
        post({ kind: 'invalid', message: error instanceof Error ? error.message : String(error) });
        return;
      }
      const [hint, produced, consumed] = result;
      // A call that did nothing (a full output flushed, no input left) says what the next frame
      // would need, not whether the last one ended.
      if (produced > 0 || consumed > 0) inFrame = hint !== 0;
      filled += produced;
      source = source.subarray(consumed);
      // A full output may leave more to flush even with no input left; otherwise all is out.
      if (filled === input.outputChunk) {
        if (!send()) return;
      } else if (source.length === 0) break;
    }
  }
  Atomics.store(control, input.decodedSlot, input.readAll);
  if (inFrame) {
    post({ kind: 'invalid', message: 'input ends inside a frame (truncated)' });
    return;
  }
  if (filled > 0 && !send()) return;
  post({ kind: 'end' });
}
