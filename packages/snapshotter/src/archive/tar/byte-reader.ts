import { InvalidArgumentError } from '@layerctl/sys';

/**
 * Pulls bytes from an async stream of chunks: small exact reads for headers, and pieces of
 * bodies handed on as views of the chunks they came in, so a body is never copied or gathered.
 * Only one read runs at a time; the tar reader is its one user. What lies in the current chunk
 * can be taken without a wait (take, skipNow): most headers and small bodies do, and a layer has
 * tens of thousands of them.
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
   * n bytes as a view of the current chunk, when it holds them all: no copy and no wait. Like
   * every view this reader hands out, it is valid until the next read of any kind (the chunk
   * may then go back to its producer); undefined when the bytes are not all there yet.
   */
  take(n: number): Buffer | undefined {
    const end = this.#at + n;
    if (end > this.#chunk.length) return undefined;
    const piece = this.#chunk.subarray(this.#at, end);
    this.#at = end;
    this.offset += n;
    return piece;
  }

  /**
   * Exactly n bytes, or fewer only when the input ends first, valid until the next read (see
   * take). A view when one chunk holds them; gathered into a new buffer only when they span
   * chunks, each piece copied before the next chunk is asked for.
   */
  async read(n: number): Promise<Buffer> {
    const first = this.take(n) ?? (await this.next(n));
    if (first.length === n || first.length === 0) return first;
    const gathered = Buffer.allocUnsafe(n);
    let got = first.copy(gathered);
    while (got < n) {
      const part = await this.next(n - got);
      if (part.length === 0) break;
      got += part.copy(gathered, got);
    }
    return gathered.subarray(0, got);
  }

  /** Skips n bytes if the current chunk holds them; false (nothing skipped) if not. */
  skipNow(n: number): boolean {
    const end = this.#at + n;
    if (end > this.#chunk.length) return false;
    this.#at = end;
    this.offset += n;
    return true;
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
