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
  readonly branches: readonly [AsyncIterable<Buffer>, AsyncIterable<Buffer>];
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

  constructor(source: AsyncIterable<Buffer>) {
    this.#source = source[Symbol.asyncIterator]();
    this.#positions = [0, 0];
    this.#live = [true, true];
    this.branches = [this.#branch(0), this.#branch(1)];
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

/**
 * Feeds one stream to two consumers at once. The first consumer to fail stops the other (its
 * reads throw the same error); both are awaited, so nothing is still writing when this returns,
 * and the first failure is the one thrown.
 */
export async function teeInto<A, B>(
  source: AsyncIterable<Buffer>,
  first: (branch: AsyncIterable<Buffer>) => Promise<A>,
  second: (branch: AsyncIterable<Buffer>) => Promise<B>,
): Promise<[A, B]> {
  const tee = new StreamTee(source);
  let failure: { reason: unknown } | undefined;
  const stopOthers = (reason: unknown): never => {
    failure ??= { reason };
    tee.destroy(reason);
    throw reason;
  };
  const [a, b] = await Promise.allSettled([first(tee.branches[0]).catch(stopOthers), second(tee.branches[1]).catch(stopOthers)]);
  if (a.status === 'fulfilled' && b.status === 'fulfilled') return [a.value, b.value];
  // Every rejection went through stopOthers, which kept the first.
  throw failure?.reason;
}

/** How many chunks (typically 16-64 KiB each) the fastest branch may buffer ahead of the slowest. */
const MAX_AHEAD = 16;
