import { zstdBinding } from './zstd-napi.ts';

/** Compressed bytes gathered before they are handed on: few writes and hash calls per blob. */
const OUTPUT_BYTES = 1024 * 1024;

/** Takes compressed bytes; they are only valid during the call (the buffer is reused). */
export type CompressedSink = (bytes: Buffer) => void;

/** What zstdCompressStream's stream is built with, so both give the same bytes. */
export interface ZstdSettings {
  compressionLevel: number;
  nbWorkers: number;
  jobSize: number;
}

/**
 * zstd compression driven directly, without a stream: each input chunk goes into zstd-napi's
 * context and the compressed bytes come out into one reused buffer, handed to a sink that must
 * be done with them when it returns (hash them, write them). For a caller that writes the blob
 * itself this saves, per chunk, a Transform, an await and a fresh output Buffer, and per blob
 * the garbage of every compressed byte (writeLayerBlob; bench/README.md has the figures).
 *
 * The output is the bytes the CompressStream of the same settings writes: same parameters, and
 * in worker mode zstd cuts jobs by jobSize, not by how the input was fed.
 */
export class ZstdCompressor {
  readonly #cctx = new (zstdBinding().CCtx)();
  readonly #sink: CompressedSink;
  #out = Buffer.allocUnsafe(OUTPUT_BYTES);
  #filled = 0;

  constructor(settings: ZstdSettings, sink: CompressedSink) {
    const binding = zstdBinding();
    this.#cctx.setParameter(binding.CParameter.compressionLevel, settings.compressionLevel);
    this.#cctx.setParameter(binding.CParameter.nbWorkers, settings.nbWorkers);
    this.#cctx.setParameter(binding.CParameter.jobSize, settings.jobSize);
    this.#sink = sink;
  }

  /** Compresses `chunk`; may block while zstd's workers catch up (its own backpressure). */
  write(chunk: Buffer): void {
    let input = chunk;
    while (input.length > 0) {
      const [, produced, consumed] = this.#cctx.compressStream2(this.#out.subarray(this.#filled), input, zstdBinding().EndDirective.continue);
      this.#produced(produced);
      input = input.subarray(consumed);
    }
  }

  /** Ends the frame and hands on everything left. */
  end(): void {
    for (;;) {
      const [remaining, produced] = this.#cctx.compressStream2(this.#out.subarray(this.#filled), Buffer.alloc(0), zstdBinding().EndDirective.end);
      this.#produced(produced);
      if (remaining === 0) break;
    }
    if (this.#filled > 0) this.#sink(this.#out.subarray(0, this.#filled));
    this.#filled = 0;
  }

  #produced(bytes: number): void {
    this.#filled += bytes;
    if (this.#filled < this.#out.length) return;
    this.#sink(this.#out);
    this.#filled = 0;
  }
}
