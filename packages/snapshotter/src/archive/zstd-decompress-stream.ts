import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import { InvalidArgumentError } from '@layerctl/sys';
import { errorMessage } from '../error-message.ts';
import { type FramePiece, ZstdFrameSplitter } from './zstd-frames.ts';

/** Decoder output chunk: zlib's 16 KiB default costs a thread-pool round trip per 16 KiB; 256 KiB is past the knee. */
const OUTPUT_CHUNK = 256 * 1024;

/**
 * Decoded bytes that may wait for the reader: enough that the decoder goes on working on the
 * thread pool while the reader (applyLayer, writing files) handles the chunks before.
 */
const READ_AHEAD = 1024 * 1024;

/**
 * zstd decompression on the libuv thread pool, every frame, with backpressure.
 *
 * The decoder is node:zlib's, which works off the main thread, so decompressing overlaps what the
 * reader does with the output; zstd-napi's decoder runs on the main thread, which kept an unpack
 * near half the speed of `zstd -d | tar -x` (bench/README.md). node:zlib's decoder stops after
 * the first frame and ignores the rest, which would silently cut multi-frame layers short, so
 * zstd-frames.ts cuts the input where frames end and each frame gets a decoder of its own, one
 * after the other.
 *
 * Backpressure: the decoder is paused whenever push() says the reader is full and resumed in
 * _read; zlib's decoder then stops decoding, even in the middle of an input chunk. A bomb costs
 * no more than READ_AHEAD and one output chunk, whatever one input chunk expands to (zstd-napi's
 * ready-made DecompressStream pushed it all at once: 32 KiB of a bomb became 1 GiB in memory).
 * The window size is left at zstd's default limit (2^27 bytes), which bounds the memory one
 * hostile frame can ask for.
 */
export class ZstdDecompressStream extends Transform {
  readonly #frames = new ZstdFrameSplitter();
  /** The decoder of the frame being read; undefined between frames. */
  #decoder: zlib.ZstdDecompress | undefined;
  /** What a decoder failed with, also when it failed between two writes with nobody waiting on it. */
  #failure: InvalidArgumentError | undefined;

  constructor() {
    super({ readableHighWaterMark: READ_AHEAD });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let pieces: FramePiece[];
    try {
      pieces = this.#frames.split(chunk);
    } catch (error) {
      done(error instanceof Error ? error : new InvalidArgumentError(`zstd stream: ${errorMessage(error)}`));
      return;
    }
    this.#decode(pieces).then(() => done(), done);
  }

  override _read(size: number): void {
    this.#decoder?.resume();
    super._read(size);
  }

  override _flush(done: TransformCallback): void {
    if (this.#failure !== undefined) {
      done(this.#failure);
      return;
    }
    if (!this.#frames.atFrameBoundary) {
      done(new InvalidArgumentError('zstd stream: input ends inside a frame (truncated)'));
      return;
    }
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.#decoder?.destroy();
    this.#decoder = undefined;
    done(error);
  }

  async #decode(pieces: FramePiece[]): Promise<void> {
    for (const { bytes, endsFrame } of pieces) {
      const decoder = (this.#decoder ??= this.#startFrame());
      if (bytes.length > 0 && !decoder.write(bytes)) await this.#settled(decoder, 'drain');
      if (endsFrame) {
        decoder.end();
        await this.#settled(decoder, 'end');
        this.#decoder = undefined;
      }
    }
  }

  #startFrame(): zlib.ZstdDecompress {
    const decoder = zlib.createZstdDecompress({ chunkSize: OUTPUT_CHUNK });
    decoder.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) decoder.pause();
    });
    // Kept for the next write or wait, and for _flush: the decoder may fail while nobody waits on it.
    decoder.on('error', (error: Error) => {
      this.#failure ??= new InvalidArgumentError(`zstd stream: ${errorMessage(error)}`, { cause: error });
    });
    return decoder;
  }

  /** Waits for `event`; fails with the decoder's error, or if the decoder closes (or closed) first. */
  #settled(decoder: zlib.ZstdDecompress, event: 'drain' | 'end'): Promise<void> {
    const stopped = (): InvalidArgumentError => this.#failure ?? new InvalidArgumentError('zstd stream: the decoder stopped before the end of its frame');
    // A decoder that already failed and closed sends no more events to wait for.
    if (decoder.destroyed) return Promise.reject(stopped());
    return new Promise((resolve, reject) => {
      const cleanUp = (): void => {
        decoder.off(event, onEvent);
        decoder.off('close', onClose);
      };
      const onEvent = (): void => {
        cleanUp();
        resolve();
      };
      // 'close' follows 'error' (whose listener has kept the error) and also ends a decoder destroyed otherwise.
      const onClose = (): void => {
        cleanUp();
        reject(stopped());
      };
      decoder.on(event, onEvent);
      decoder.on('close', onClose);
    });
  }
}
