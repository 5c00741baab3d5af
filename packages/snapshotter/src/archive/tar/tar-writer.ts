import { Readable } from 'node:stream';
import { InvalidArgumentError } from '@layerctl/sys';
import { RETURN_CHUNK, type ReturnableChunks } from '../chunk-return.ts';
import { givePooled, POOLED_BYTES, takePooled } from '../read-buffer-pool.ts';
import { asBuffer } from './byte-reader.ts';
import {
  BLOCK_SIZE,
  LINKNAME_FIELD_LENGTH,
  MAX_OCTAL_12,
  MAX_OCTAL_8,
  NAME_FIELD_LENGTH,
  OWNER_NAME_MAX_LENGTH,
  TYPEFLAG,
  TYPEFLAG_PAX,
  encodeHeader,
  splitUstarName,
  type UstarFields,
} from './headers.ts';
import {
  PAX_GID,
  PAX_GNAME,
  PAX_LINKPATH,
  PAX_MTIME,
  PAX_PATH,
  PAX_SIZE,
  PAX_UID,
  PAX_UNAME,
  SCHILY_XATTR_PREFIX,
  encodePaxRecords,
  formatPaxTime,
  type PaxRecord,
} from './pax.ts';
import type { TarHeader } from './tar-header.ts';

/** One entry to write: its header and, for a file, exactly header.size bytes of body. */
export interface TarInput {
  header: TarHeader;
  body?: AsyncIterable<Buffer> | Buffer;
}

/**
 * Writes entries as a tar stream: ustar headers, each preceded by a PAX 'x' header exactly when
 * ustar cannot hold one of its values exactly (a name or link target too long or not ASCII, a
 * uid/gid above 0o7777777, a size from 8 GiB, an mtime with nanoseconds or outside 1970..2242,
 * an owner name over 31 bytes or not ASCII, any xattr), then the two zero blocks. Device
 * numbers have no PAX key; beyond 0o7777777 they are written base-256, as GNU tar does.
 *
 * The output is deterministic: the same headers give the same bytes (no atime or ctime, PAX
 * records sorted by key, the PAX header named PaxHeaders/<basename> with zero times and ids).
 * Directories are written with a trailing '/'. A body longer or shorter than header.size
 * fails the stream with an InvalidArgumentError naming the entry, as does a header value no
 * tar can hold (a negative uid, a fractional mode, a NUL in a name).
 *
 * The stream pulls one chunk at a time from the entries and their bodies, so backpressure
 * reaches the producer and memory stays flat whatever the sizes.
 */
export function writeTar(entries: AsyncIterable<TarInput> | Iterable<TarInput>): Readable & ReturnableChunks {
  // Chunks pass through the stream unchanged (each is bigger than its high-water mark), so a
  // consumer done with one may hand it back to the read pool (chunk-return.ts).
  return Object.assign(Readable.from(tarChunks(entries), { objectMode: false }), { [RETURN_CHUNK]: givePooled });
}

/** Two zero blocks end an archive. */
const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK_SIZE);
/** The PAX header's own name: fixed, so output does not depend on a process id as GNU tar's does. */
const PAX_HEADER_DIR = 'PaxHeaders/';
/** PAX headers are written as plain readable files for the old tars that extract them. */
const PAX_HEADER_MODE = 0o644n;

async function* tarChunks(entries: AsyncIterable<TarInput> | Iterable<TarInput>): AsyncGenerator<Buffer> {
  const batch = new ChunkBatch();
  for await (const { header, body } of entries) {
    const where = `tar entry ${JSON.stringify(header.name)}`;
    checkHeader(header, where);
    yield* batch.add(headerBlocks(header));
    if (body instanceof Uint8Array || body === undefined) {
      yield* batch.add(wholeBody(header.size, body, where));
    } else {
      for await (const piece of bodyBlocks(header.size, body, where)) yield* batch.add(piece);
    }
    if (header.size % BLOCK_SIZE !== 0) yield* batch.add(padding(header.size));
  }
  yield* batch.add(END_OF_ARCHIVE);
  yield* batch.flush();
}

/** Pieces smaller than this are copied into a batch; bigger ones go on as they are. */
const DIRECT_BYTES = 64 * 1024;
/** Size of the chunks small pieces are gathered into: buffers of the read pool. */
const BATCH_BYTES = POOLED_BYTES;

/**
 * Gathers headers, small bodies and padding into chunks of BATCH_BYTES: a tree of small files
 * otherwise becomes three or four tiny chunks per file, and every consumer down the line (the
 * DiffID hash, the compressor, the blob file) pays a call and an await for each. Each batch is a
 * buffer of the read pool, lent to the consumer: it comes back only if the consumer hands it back.
 */
class ChunkBatch {
  #buffer: Buffer | undefined;
  #used = 0;

  /** What is ready to go on after `piece`: nothing, a full batch, and/or the piece itself. */
  add(piece: Buffer): Buffer[] {
    if (piece.length === 0) return [];
    if (piece.length >= DIRECT_BYTES) return [...this.flush(), piece];
    const ready = this.#used + piece.length > BATCH_BYTES ? this.flush() : [];
    this.#buffer ??= takePooled();
    this.#used += piece.copy(this.#buffer, this.#used);
    // Copied: a file read from the pool (pack-entry.ts) can be read into again.
    givePooled(piece);
    return ready;
  }

  /** The batch gathered so far, if any. */
  flush(): Buffer[] {
    if (this.#buffer === undefined || this.#used === 0) return [];
    const full = this.#buffer.subarray(0, this.#used);
    this.#buffer = undefined;
    this.#used = 0;
    return [full];
  }
}

/** The entry's ustar header, preceded by its PAX header when it needs one. */
function headerBlocks(header: TarHeader): Buffer {
  const name = header.type === 'directory' ? `${header.name}/` : header.name;
  const records: PaxRecord[] = [];
  const fields: UstarFields = {
    name: ustarName(name, records),
    typeflag: TYPEFLAG[header.type],
    mode: BigInt(header.mode),
    uid: ustarNumber(header.uid, MAX_OCTAL_8, PAX_UID, records),
    gid: ustarNumber(header.gid, MAX_OCTAL_8, PAX_GID, records),
    size: ustarNumber(header.size, MAX_OCTAL_12, PAX_SIZE, records),
    mtime: ustarMtime(header.mtimeNs, records),
    linkname: ustarText(header.linkname, LINKNAME_FIELD_LENGTH, PAX_LINKPATH, records),
    uname: ustarText(header.uname, OWNER_NAME_MAX_LENGTH, PAX_UNAME, records),
    gname: ustarText(header.gname, OWNER_NAME_MAX_LENGTH, PAX_GNAME, records),
    devmajor: BigInt(header.devmajor),
    devminor: BigInt(header.devminor),
  };
  for (const [xattr, value] of header.xattrs) records.push([`${SCHILY_XATTR_PREFIX}${xattr}`, value]);
  const entry = encodeHeader(fields);
  if (records.length === 0) return entry;
  return Buffer.concat([paxHeader(name, records), entry]);
}

/** The name as ustar holds it; otherwise a PAX path record and an ASCII stand-in. */
function ustarName(name: string, records: PaxRecord[]): Buffer {
  const bytes = Buffer.from(name, 'utf8');
  if (isAscii(bytes) && splitUstarName(bytes) !== undefined) return bytes;
  records.push([PAX_PATH, bytes]);
  return asciiStandIn(name, NAME_FIELD_LENGTH);
}

function ustarText(text: string, max: number, key: string, records: PaxRecord[]): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (isAscii(bytes) && bytes.length <= max) return bytes;
  records.push([key, bytes]);
  return asciiStandIn(text, max);
}

/** A value octal cannot hold goes in a PAX record; the ustar field then says 0, as Go writes it. */
function ustarNumber(value: number, max: number, key: string, records: PaxRecord[]): bigint {
  if (value <= max) return BigInt(value);
  records.push([key, Buffer.from(String(value))]);
  return 0n;
}

function ustarMtime(ns: bigint, records: PaxRecord[]): bigint {
  const seconds = ns / 1_000_000_000n;
  const fits = seconds >= 0n && seconds <= BigInt(MAX_OCTAL_12);
  if (fits && ns % 1_000_000_000n === 0n) return seconds;
  records.push([PAX_MTIME, Buffer.from(formatPaxTime(ns))]);
  return fits ? seconds : 0n;
}

/** Old readers that ignore PAX see the printable ASCII part of the value, cut to the field. */
function asciiStandIn(text: string, max: number): Buffer {
  return Buffer.from(text.replace(/[^\x01-\x7f]/g, '').slice(0, max), 'latin1');
}

function isAscii(bytes: Buffer): boolean {
  return bytes.every((byte) => byte < 0x80);
}

function paxHeader(name: string, records: PaxRecord[]): Buffer {
  records.sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const body = encodePaxRecords(records);
  const base = name.replace(/\/+$/, '').split('/').pop() ?? '';
  const header = encodeHeader({
    name: asciiStandIn(`${PAX_HEADER_DIR}${base}`, NAME_FIELD_LENGTH),
    typeflag: TYPEFLAG_PAX,
    mode: PAX_HEADER_MODE,
    uid: 0n,
    gid: 0n,
    size: BigInt(body.length),
    mtime: 0n,
    linkname: Buffer.alloc(0),
    uname: Buffer.alloc(0),
    gname: Buffer.alloc(0),
    devmajor: 0n,
    devminor: 0n,
  });
  return Buffer.concat([header, body, padding(body.length)]);
}

/** A body given whole (or none), checked against header.size. */
function wholeBody(size: number, body: Uint8Array | undefined, where: string): Buffer {
  const bytes = body === undefined ? EMPTY : asBuffer(body);
  if (bytes.length !== size) throw wrongLength(where, `${bytes.length} bytes`, size);
  return bytes;
}

const EMPTY = Buffer.alloc(0);

/** A streamed body, checked against header.size as it comes. */
async function* bodyBlocks(size: number, body: AsyncIterable<Buffer>, where: string): AsyncGenerator<Buffer> {
  let written = 0;
  for await (const chunk of body) {
    const piece = asBuffer(chunk);
    written += piece.length;
    if (written > size) throw wrongLength(where, `more than ${size} bytes`, size);
    yield piece;
  }
  if (written !== size) throw wrongLength(where, `${written} bytes`, size);
}

function wrongLength(where: string, got: string, size: number): InvalidArgumentError {
  return new InvalidArgumentError(`${where}: the body has ${got}, but header.size is ${size}`);
}

function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK_SIZE - (size % BLOCK_SIZE)) % BLOCK_SIZE);
}

/** Refuses what no tar can hold, so a bad header fails here and not in some later reader. */
function checkHeader(header: TarHeader, where: string): void {
  if (header.name === '' || header.name.endsWith('/')) {
    throw new InvalidArgumentError(`${where}: a name must be non-empty and have no trailing '/'`);
  }
  if (!Object.hasOwn(TYPEFLAG, header.type)) {
    throw new InvalidArgumentError(`${where}: unknown entry type ${JSON.stringify(header.type)}`);
  }
  const texts = { name: header.name, linkname: header.linkname, uname: header.uname, gname: header.gname };
  for (const [what, text] of Object.entries(texts)) {
    if (text.includes('\0')) throw new InvalidArgumentError(`${where}: the ${what} contains a NUL`);
  }
  if (!Number.isInteger(header.mode) || header.mode < 0 || header.mode > 0o7777) {
    throw new InvalidArgumentError(`${where}: mode ${header.mode} is not permission bits (0 to 0o7777)`);
  }
  const numbers = { uid: header.uid, gid: header.gid, size: header.size, devmajor: header.devmajor, devminor: header.devminor };
  for (const [what, value] of Object.entries(numbers)) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new InvalidArgumentError(`${where}: ${what} ${value} is not a non-negative integer`);
    }
  }
  if (header.type !== 'file' && header.size !== 0) {
    throw new InvalidArgumentError(`${where}: a ${header.type} has no body, but header.size is ${header.size}`);
  }
  checkXattrs(header.xattrs, where);
}

function checkXattrs(xattrs: Map<string, Buffer>, where: string): void {
  for (const [name, value] of xattrs) {
    if (name === '' || name.includes('\0') || name.includes('=')) {
      throw new InvalidArgumentError(`${where}: xattr name ${JSON.stringify(name)} cannot be written (empty, or holds NUL or '=')`);
    }
    if (!(value instanceof Uint8Array)) throw new InvalidArgumentError(`${where}: xattr ${name} has a value that is not bytes`);
  }
}
