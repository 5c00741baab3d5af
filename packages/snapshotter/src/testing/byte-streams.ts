/**
 * Test helpers between buffers and streams of buffers. Tests handle small data, so gathering a
 * stream in memory is fine here; production code never does (it streams).
 */

/** Feeds `data` in chunks of `size` bytes (the last one shorter), as a file or a pipe would. */
export async function* chunked(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < data.length; offset += size) yield data.subarray(offset, offset + size);
}

/** Drains a small stream into one Buffer. */
export async function collect(source: AsyncIterable<Buffer | Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
