import { readTar, writeTar, type TarInput } from '@layerctl/snapshotter';
import type { Readable } from 'node:stream';

const NS_PER_SECOND = 1_000_000_000n;

/**
 * The tar with every mtime later than SOURCE_DATE_EPOCH set to it (BuildKit's rewrite-timestamp).
 * Entries keep their order: the drivers' diffs are already in canonical order. Streamed: each
 * body passes through as the writer reads it.
 */
export function clampTarTimes(tar: AsyncIterable<Buffer>, sourceDateEpoch: bigint): Readable {
  const limitNs = sourceDateEpoch * NS_PER_SECOND;
  async function* clamped(): AsyncGenerator<TarInput> {
    for await (const { header, body } of readTar(tar)) {
      yield { header: header.mtimeNs > limitNs ? { ...header, mtimeNs: limitNs } : header, body: header.type === 'file' ? body : undefined };
    }
  }
  return writeTar(clamped());
}
