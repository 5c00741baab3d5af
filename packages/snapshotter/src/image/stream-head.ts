/**
 * Reads the first `bytes` bytes of a stream (fewer if it is shorter) and gives back a stream that
 * yields everything, head included, so a decision on the magic number costs no second read.
 */
export async function readHead(source: AsyncIterable<Buffer>, bytes: number): Promise<{ head: Buffer; stream: AsyncIterable<Buffer> }> {
  const input = source[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < bytes) {
    const next = await input.next();
    if (next.done === true) break;
    chunks.push(next.value);
    length += next.value.length;
  }
  // A few bytes at most beyond what was asked for: the first chunks, not the stream.
  return { head: Buffer.concat(chunks).subarray(0, bytes), stream: replay(chunks, input) };
}

async function* replay(chunks: Buffer[], input: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  try {
    yield* chunks;
    for (;;) {
      const next = await input.next();
      if (next.done === true) return;
      yield next.value;
    }
  } finally {
    await input.return?.();
  }
}
