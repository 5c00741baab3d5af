import { InvalidArgumentError } from '@layerctl/sys';

/**
 * Pulls bytes from an async stream of chunks: small exact reads for headers, and pieces of
 * bodies handed on as views of the chunks they came in, so a body is never copied or gathered.
 * Only one read runs at a time; the tar reader is its one user.
 */
export class ByteReader {
  /** Bytes consumed so far: the archive offset of the next byte. */
  offset = 0;
  readonly #chunks: AsyncIterator<unknown>;
  /** Called with each input chunk once it is read past (see readTar's `chunkDone`). */
  readonly #chunkDone: ((chunk: Buffer) => void) | undefined;
  #chunk: Buffer = Buffer.alloc(0);
  #at = 0;
  #ended = false;

  constructor(input: AsyncIterable<unknown>, chunkDone?: (chunk: Buffer) => void) {
    this.#chunks = input[Symbol.asyncIterator]();
    this.#chunkDone = chunkDone;
  }

  /**
   * Exactly n bytes, or fewer only when the input ends first. Copies only when n spans chunks,
   * or always when chunks are handed back (headers and metadata are read on after the chunk).
   */
  async read(n: number): Promise<Buffer> {
    // A piece handed back with its chunk by the next read must be copied before that read.
    const keep = (piece: Buffer): Buffer => (this.#chunkDone === undefined ? piece : Buffer.from(piece));
    const first = await this.next(n);
    if (first.length === n || first.length === 0) return keep(first);
    const parts = [keep(first)];
    let got = first.length;
    while (got < n) {
      const part = await this.next(n - got);
      if (part.length === 0) break;
      parts.push(keep(part));
      got += part.length;
    }
    return Buffer.concat(parts, got);
  }

  /** The next 1 to max bytes as a view of the input; empty only at the end of the input. */
  async next(max: number): Promise<Buffer> {
    if (max <= 0 || !(await this.#fill())) return Buffer.alloc(0);
    const end = Math.min(this.#chunk.length, this.#at + max);
    const piece = this.#chunk.subarray(this.#at, end);
    this.#at = end;
    this.offset += piece.length;
    return piece;
  }

  /** Skips n bytes; returns how many there were (fewer than n only at the end of the input). */
  async skip(n: number): Promise<number> {
    let skipped = 0;
    while (skipped < n) {
      const piece = await this.next(n - skipped);
      if (piece.length === 0) break;
      skipped += piece.length;
    }
    return skipped;
  }

  /** Reads and drops the rest of the input, so whoever hashes the stream sees all of it. */
  async drain(): Promise<void> {
    while ((await this.next(Number.MAX_SAFE_INTEGER)).length > 0);
  }

  /** Lets go of the input early (a Readable's iterator destroys the stream). */
  async close(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    await this.#chunks.return?.();
  }

  async #fill(): Promise<boolean> {
    while (this.#at >= this.#chunk.length) {
      if (this.#ended) return false;
      // Read past: every piece of it was handed out before this read was asked for.
      if (this.#chunk.length > 0) this.#chunkDone?.(this.#chunk);
      this.#chunk = EMPTY;
      const result = await this.#chunks.next();
      if (result.done === true) {
        this.#ended = true;
        return false;
      }
      this.#chunk = asBuffer(result.value);
      this.#at = 0;
    }
    return true;
  }
}

const EMPTY = Buffer.alloc(0);

/** Buffers pass through; other byte arrays become views; anything else is a caller's mistake. */
export function asBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new InvalidArgumentError(`a tar stream must carry bytes, got a chunk of type ${typeof chunk}`);
}
