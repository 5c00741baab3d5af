import { Transform, type TransformCallback } from 'node:stream';
import binding from 'zstd-napi/binding.js';
import { InvalidArgumentError } from '@layerctl/sys';
import { errorMessage } from '../error-message.ts';

const OUTPUT_CHUNK = binding.dStreamOutSize();

/**
 * zstd decompression that honours backpressure inside one input chunk.
 *
 * Why not the ready-made streams:
 * - zstd-napi's DecompressStream pushes everything one input chunk expands to before it returns:
 *   a 32 KiB chunk of a bomb became 1 GiB in memory (rss 2.1 GB) before a reader could stop it.
 * - Node's zlib.createZstdDecompress honours backpressure but stops after the first frame and
 *   ignores the rest (two concatenated frames decompressed to one), which would silently cut
 *   multi-frame layers short.
 * This one pauses mid-chunk when push() says the reader is full and resumes in _read, and it
 * decodes frame after frame. The window size is left at zstd's default limit (2^27 bytes), which
 * bounds the memory one hostile frame can ask for.
 */
export class ZstdDecompressStream extends Transform {
  readonly #dctx = new binding.DCtx();
  #inFrame = false;
  #paused: { input: Buffer; done: TransformCallback } | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#pump(chunk, done);
  }

  override _read(size: number): void {
    const paused = this.#paused;
    if (paused === undefined) {
      super._read(size);
      return;
    }
    this.#paused = undefined;
    // A resumed chunk can finish without output (the decoder had only its flush left). The reader
    // still waits for data and will not call _read again until something is pushed, so ask
    // Transform for the next input chunk now, or both sides wait for each other.
    if (!this.#pump(paused.input, paused.done)) super._read(size);
  }

  override _flush(done: TransformCallback): void {
    if (this.#inFrame) {
      done(new InvalidArgumentError('zstd stream: input ends inside a frame (truncated)'));
      return;
    }
    done();
  }

  /** Decodes `input`, pausing when the reader is full; says whether it pushed anything. */
  #pump(input: Buffer, done: TransformCallback): boolean {
    let rest = input;
    let pushed = false;
    try {
      for (;;) {
        const output = Buffer.allocUnsafe(OUTPUT_CHUNK);
        const [remaining, produced, consumed] = this.#dctx.decompressStream(output, rest);
        rest = rest.subarray(consumed);
        pushed ||= produced > 0;
        const wantsMore = produced === 0 || this.push(output.subarray(0, produced));
        // All input used and the decoder's own buffers empty (it filled less than a whole chunk).
        if (rest.length === 0 && (produced < output.length || remaining === 0)) {
          this.#inFrame = remaining !== 0;
          done();
          return pushed;
        }
        if (!wantsMore) {
          this.#paused = { input: rest, done };
          return pushed;
        }
      }
    } catch (error) {
      done(new InvalidArgumentError(`zstd stream: ${errorMessage(error)}`, { cause: error }));
      return pushed;
    }
  }
}
