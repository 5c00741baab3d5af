/**
 * Splits one stream of chunks into branches that each see every chunk, for work that must read
 * the same bytes twice in one pass (store a layer and check it parses as a tar; store a blob and
 * hash its decompressed form).
 *
 * Memory stays bounded: a branch may run at most MAX_AHEAD chunks ahead of the slowest live
 * branch, then waits. A branch whose consumer stops early (break, throw) is detached and no
 * longer holds the others back. destroy(err) makes every branch throw err at its next read, so
 * one side's failure stops the other instead of letting it finish for nothing.
 */
export class StreamTee {
  readonly branches: AsyncIterable<Buffer>[];
  readonly #source: AsyncIterator<Buffer>;
  /** Chunks not yet read by every live branch; chunks[0] has the sequence number #first. */
  readonly #chunks: Buffer[] = [];
  #first = 0;
  readonly #positions: number[];
  readonly #live: boolean[];
  #ended = false;
  #error: { reason: unknown } | undefined;
  #pulling: Promise<void> | undefined;
  #waiters: (() => void)[] = [];

  constructor(source: AsyncIterable<Buffer>, count = 2) {
    this.#source = source[Symbol.asyncIterator]();
    this.#positions = Array.from({ length: count }, () => 0);
    this.#live = Array.from({ length: count }, () => true);
    this.branches = this.#positions.map((_, i) => this.#branch(i));
  }

  destroy(reason: unknown): void {
    if (this.#error !== undefined) return;
    this.#error = { reason };
    this.#wake();
    void this.#source.return?.();
  }

  async *#branch(i: number): AsyncGenerator<Buffer> {
    try {
      for (;;) {
        const chunk = await this.#next(i);
        if (chunk === undefined) return;
        yield chunk;
      }
    } finally {
      this.#detach(i);
    }
  }

  async #next(i: number): Promise<Buffer | undefined> {
    for (;;) {
      if (this.#error !== undefined) throw this.#error.reason;
      const position = this.#positions[i] ?? 0;
      const chunk = this.#chunks[position - this.#first];
      if (chunk !== undefined) {
        this.#positions[i] = position + 1;
        this.#trim();
        return chunk;
      }
      if (this.#ended) return undefined;
      if (this.#chunks.length >= MAX_AHEAD) await new Promise<void>((resolve) => this.#waiters.push(resolve));
      else await (this.#pulling ??= this.#pull());
    }
  }

  async #pull(): Promise<void> {
    try {
      const result = await this.#source.next();
      if (result.done === true) this.#ended = true;
      else this.#chunks.push(result.value);
    } catch (err) {
      this.#error ??= { reason: err };
    } finally {
      this.#pulling = undefined;
      this.#wake();
    }
  }

  #detach(i: number): void {
    this.#live[i] = false;
    this.#trim();
    if (!this.#live.includes(true) && !this.#ended) void this.#source.return?.();
  }

  /** Drops the chunks every live branch has read, and lets waiting branches go on. */
  #trim(): void {
    const positions = this.#positions.filter((_, i) => this.#live[i] === true);
    const slowest = positions.length === 0 ? this.#first + this.#chunks.length : Math.min(...positions);
    if (slowest > this.#first) {
      this.#chunks.splice(0, slowest - this.#first);
      this.#first = slowest;
      this.#wake();
    }
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

/** How many chunks (typically 16-64 KiB each) the fastest branch may buffer ahead of the slowest. */
const MAX_AHEAD = 16;
