/**
 * Helpers for the codec's tests. Tests handle small archives, so gathering one in memory is
 * fine here; production code never does (it streams).
 */
import { chunked, collect } from '../../testing/byte-streams.ts';
import { BLOCK_SIZE, encodeHeader, type UstarFields } from './headers.ts';
import { readTar, type TarReadLimits } from './tar-reader.ts';
import type { TarHeader } from './tar-header.ts';

export interface ReadEntry {
  header: TarHeader;
  body: Buffer;
}

/** Reads every entry of a small archive with its whole body. */
export async function readAll(tar: Buffer | AsyncIterable<Buffer>, limits?: TarReadLimits): Promise<ReadEntry[]> {
  const entries: ReadEntry[] = [];
  for await (const { header, body } of readTar(Buffer.isBuffer(tar) ? chunked(tar, UNEVEN_CHUNK) : tar, limits)) {
    entries.push({ header, body: await collect(body) });
  }
  return entries;
}

/** A chunk size that no block boundary divides, so reads that span chunks get exercised. */
export const UNEVEN_CHUNK = 777;

/** Header fields for hand-made blocks: a 42-byte file owned by alice, with the given changes. */
export function ustarFields(overrides: Partial<UstarFields> = {}): UstarFields {
  return {
    name: Buffer.from('dir/file'),
    typeflag: '0',
    mode: 0o644n,
    uid: 1000n,
    gid: 1000n,
    size: 42n,
    mtime: 1_700_000_000n,
    linkname: Buffer.alloc(0),
    uname: Buffer.from('alice'),
    gname: Buffer.from('staff'),
    devmajor: 0n,
    devminor: 0n,
    ...overrides,
  };
}

const CHECKSUM_OFFSET = 148;
const CHECKSUM_LENGTH = 8;

/** Rewrites a block's checksum after a test patched it, as a correct but unusual writer would. */
export function fixChecksum(block: Buffer, signed = false): Buffer {
  block.fill(0x20, CHECKSUM_OFFSET, CHECKSUM_OFFSET + CHECKSUM_LENGTH);
  let sum = 0;
  for (const byte of block) sum += signed && byte >= 0x80 ? byte - 0x100 : byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, CHECKSUM_OFFSET, 'latin1');
  return block;
}

/** A hand-made entry: a header with the given fields (size defaults to the body's), the body and its padding. */
export function rawEntry(overrides: Partial<UstarFields>, body: Buffer = Buffer.alloc(0)): Buffer {
  const header = encodeHeader(ustarFields({ size: BigInt(body.length), ...overrides }));
  const padding = Buffer.alloc((BLOCK_SIZE - (body.length % BLOCK_SIZE)) % BLOCK_SIZE);
  return Buffer.concat([header, body, padding]);
}

/** The two zero blocks that end an archive. */
export const END = Buffer.alloc(2 * BLOCK_SIZE);
