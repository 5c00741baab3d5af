/** A stream whose first bytes have been read, and the stream itself, not read twice. */
export interface StreamHead {
  /** The first bytes asked for; fewer when the stream is shorter. */
  readonly head: Buffer;
  /** Every byte of the source, head included; read it once. Stopping early returns the source. */
  readonly stream: AsyncIterable<Buffer>;
  /**
   * Whether reading the source itself has thrown, so that a consumer of `stream` can tell the
   * source's failures (pass them on) from its own (the bytes are bad).
   */
  readonly sourceFailed: boolean;
}

/**
 * Reads the first `bytes` bytes of a stream, so a decision on the magic number costs no second
 * read. It holds only the chunks that cover those bytes, never the stream.
 */
export async function peekHead(source: AsyncIterable<Buffer>, bytes: number): Promise<StreamHead> {
  const input = source[Symbol.asyncIterator]();
  let sourceFailed = false;
  const next = async (): Promise<IteratorResult<Buffer>> => {
    try {
      return await input.next();
    } catch (error) {
      sourceFailed = true;
      throw error;
    }
  };
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < bytes) {
    const chunk = await next();
    if (chunk.done === true) break;
    chunks.push(chunk.value);
    length += chunk.value.length;
  }
  return {
    head: Buffer.concat(chunks, Math.min(length, bytes)),
    stream: replay(chunks, next, input),
    get sourceFailed() {
      return sourceFailed;
    },
  };
}

async function* replay(chunks: Buffer[], next: () => Promise<IteratorResult<Buffer>>, input: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  try {
    yield* chunks;
    for (;;) {
      const chunk = await next();
      if (chunk.done === true) return;
      yield chunk.value;
    }
  } finally {
    await input.return?.();
  }
}
