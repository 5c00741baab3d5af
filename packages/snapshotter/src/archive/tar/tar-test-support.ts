/**
 * Helpers for the codec's tests. Tests handle small archives, so gathering one in memory is
 * fine here; production code never does (it streams).
 */
import { readTar, type TarReadLimits } from './tar-reader.ts';
import type { TarHeader } from './tar-header.ts';

export interface ReadEntry {
  header: TarHeader;
  body: Buffer;
}

/** Gathers a small stream into one Buffer. */
export async function collect(stream: AsyncIterable<Buffer | Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

/** Reads every entry of a small archive with its whole body. */
export async function readAll(tar: Buffer | AsyncIterable<Buffer>, limits?: TarReadLimits): Promise<ReadEntry[]> {
  const entries: ReadEntry[] = [];
  for await (const { header, body } of readTar(Buffer.isBuffer(tar) ? chunked(tar) : tar, limits)) {
    entries.push({ header, body: await collect(body) });
  }
  return entries;
}

/** Feeds a buffer in uneven chunks, so reads that span chunk boundaries get exercised. */
export async function* chunked(data: Buffer, size = 777): AsyncGenerator<Buffer> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}
