import { FailedPreconditionError, InvalidArgumentError } from '@layerctl/sys';
import { ByteReader } from './byte-reader.ts';
import {
  BLOCK_SIZE,
  TYPEFLAG,
  TYPEFLAG_CONTIGUOUS,
  TYPEFLAG_GNU_LONG_LINK,
  TYPEFLAG_GNU_LONG_NAME,
  TYPEFLAG_PAX,
  TYPEFLAG_PAX_GLOBAL,
  TYPEFLAG_V7_FILE,
  cString,
  decodeHeader,
  isZeroBlock,
  type RawHeader,
} from './headers.ts';
import { MAX_ID, asciiText, decodePaxRecords, decodeUtf8, paxFields, type PaxFields } from './pax.ts';
import type { EntryType, TarHeader } from './tar-header.ts';

/** One entry: its header and exactly header.size bytes of body. */
export interface TarEntry {
  header: TarHeader;
  /** Yields exactly header.size bytes. Read it before asking for the next entry, or it is skipped. */
  body: AsyncIterable<Buffer>;
}

/** An entry as readTar gives it: its body can also be taken whole. */
export interface ReadTarEntry extends TarEntry {
  body: TarBody;
}

export interface TarBody extends AsyncIterable<Buffer> {
  /**
   * The rest of the body at once, without a wait, when the reader holds all of it already (a
   * view, valid until the next read); else undefined, and the caller iterates. A small file's
   * body nearly always lies whole in the chunk its header came in.
   */
  takeWhole(): Buffer | undefined;
}

export interface TarReadLimits {
  /** Largest PAX header or GNU long name/link body accepted, in bytes (default 1 MiB). */
  maxMetadataBytes?: number;
  /**
   * Called with each input chunk once the reader has read past it. Body pieces are views of
   * the input chunks, so a caller may pass this only if it never keeps a body piece after asking
   * for the next one (applyLayer writes each piece before it reads on). Headers never refer to
   * the chunks.
   */
  chunkDone?: (chunk: Buffer) => void;
}

/** Bounds the memory a hostile archive can make us spend on one entry's metadata. */
export const DEFAULT_MAX_METADATA_BYTES = 1024 * 1024;

/**
 * Reads a tar stream entry by entry: ustar, PAX, GNU and v7 headers, as headers.ts describes.
 *
 * Rules:
 * - A PAX 'x' header applies to the next entry only; PAX 'g' global headers are skipped (as Go
 *   does: no layer writer emits them, and honouring them would make one entry's meaning depend
 *   on a header far before it). GNU 'L'/'K' give the next entry's name/link target.
 * - Typeflags '0', '\0' and '7' are regular files; one of them on a name ending in '/' is a
 *   directory, as old tars wrote directories. Header-only types (links, devices, directories,
 *   fifos) carry no body whatever their size field says, as in Go; their size is 0.
 * - Refused, with an InvalidArgumentError naming the entry or the byte offset: a bad checksum,
 *   a truncated header or body, negative or absurd numbers, metadata over maxMetadataBytes,
 *   a NUL inside a name, names that are not UTF-8, and entries layerctl cannot represent
 *   (GNU sparse files, both 'S' and PAX GNU.sparse.*; GNU dumpdirs, multi-volume parts and
 *   volume labels; sockets and any other unknown typeflag).
 * - The archive may end with the two zero blocks (anything after them is read and dropped, so
 *   a hash of the stream covers it all) or plainly after the last entry's padding; a partial
 *   block that is not all zeros is refused.
 * - Names come back as in the archive without trailing '/'; cleaning them is the caller's job.
 */
export async function* readTar(input: AsyncIterable<Buffer>, limits: TarReadLimits = {}): AsyncGenerator<ReadTarEntry> {
  const maxMetadata = limits.maxMetadataBytes ?? DEFAULT_MAX_METADATA_BYTES;
  const source = new ByteReader(input, limits.chunkDone);
  try {
    let metadata: Metadata = {};
    for (;;) {
      const offset = source.offset;
      // A view: the header is decoded before anything more is read. Most headers lie whole in
      // the current chunk, and are then read without a wait.
      const block = source.take(BLOCK_SIZE) ?? (await source.read(BLOCK_SIZE));
      if (block.length < BLOCK_SIZE || isZeroBlock(block)) {
        await endOfArchive(source, block, offset, metadata);
        return;
      }
      const raw = decodeHeader(block, offset);
      const kind = METADATA_KINDS[raw.typeflag];
      if (kind !== undefined) {
        const pending = readMetadata(source, raw, kind, offset, metadata, maxMetadata);
        if (pending !== undefined) await pending;
        continue;
      }
      const header = entryHeader(raw, metadata, offset);
      metadata = {};
      const body = new EntryBody(source, header.name, offset, header.size);
      yield { header, body };
      const pending = body.discard();
      if (pending !== undefined) await pending;
      if (!source.skipNow(paddingOf(header.size))) await skipPadding(source, header.size, () => describe(header.name, offset));
    }
  } finally {
    await source.close();
  }
}

/** What 'x', 'L' and 'K' headers said about the entry that follows them. */
interface Metadata {
  pax?: PaxFields;
  longName?: string;
  longLink?: string;
  /** Where the first of them stood, for errors. */
  offset?: number;
}

/**
 * Consumes a metadata header's body and its padding; returns a promise only when it had to wait
 * for input (a wait costs each of the many PAX headers of a layer a turn of the event loop).
 */
function readMetadata(source: ByteReader, raw: RawHeader, kind: string, offset: number, metadata: Metadata, max: number): Promise<void> | undefined {
  const size = metadataSize(raw, kind, offset, max);
  const body = source.take(size);
  if (body === undefined) return readMetadataLater(source, raw, kind, offset, metadata, size);
  useMetadata(raw, body, kind, offset, metadata);
  return source.skipNow(paddingOf(size)) ? undefined : skipPadding(source, size, () => metadataWhere(kind, offset));
}

async function readMetadataLater(source: ByteReader, raw: RawHeader, kind: string, offset: number, metadata: Metadata, size: number): Promise<void> {
  const body = await source.read(size);
  if (body.length < size) {
    throw new InvalidArgumentError(`${metadataWhere(kind, offset)}: archive truncated: body ends after ${body.length} of ${size} bytes`);
  }
  // Decoded before the padding is read: the body may be a view of a chunk the next read lets go.
  useMetadata(raw, body, kind, offset, metadata);
  await skipPadding(source, size, () => metadataWhere(kind, offset));
}

const METADATA_KINDS: Readonly<Record<string, string>> = {
  [TYPEFLAG_PAX]: 'PAX extended header',
  [TYPEFLAG_PAX_GLOBAL]: 'PAX global header',
  [TYPEFLAG_GNU_LONG_NAME]: 'GNU long name',
  [TYPEFLAG_GNU_LONG_LINK]: 'GNU long link',
};

function metadataWhere(kind: string, offset: number): string {
  return `${kind} at byte offset ${offset}`;
}

/** The size of a metadata body, checked against the limit. */
function metadataSize(raw: RawHeader, kind: string, offset: number, max: number): number {
  if (raw.size < 0n) throw new InvalidArgumentError(`${metadataWhere(kind, offset)}: negative size ${raw.size}`);
  if (raw.size > BigInt(max)) {
    throw new InvalidArgumentError(`${metadataWhere(kind, offset)}: ${raw.size} bytes of metadata exceed the limit of ${max} bytes`);
  }
  return Number(raw.size);
}

/** Records what a metadata body says about the next entry (a PAX global header says nothing we use). */
function useMetadata(raw: RawHeader, body: Buffer, kind: string, offset: number, metadata: Metadata): void {
  if (raw.typeflag === TYPEFLAG_PAX_GLOBAL) return;
  const where = metadataWhere(kind, offset);
  metadata.offset ??= offset;
  if (raw.typeflag === TYPEFLAG_PAX) {
    if (metadata.pax !== undefined) throw new InvalidArgumentError(`${where}: a second PAX header for the same entry`);
    metadata.pax = paxFields(decodePaxRecords(body, where), where);
  } else if (raw.typeflag === TYPEFLAG_GNU_LONG_NAME) {
    if (metadata.longName !== undefined) throw new InvalidArgumentError(`${where}: a second long name for the same entry`);
    metadata.longName = longName(body, where);
  } else if (raw.typeflag === TYPEFLAG_GNU_LONG_LINK) {
    if (metadata.longLink !== undefined) throw new InvalidArgumentError(`${where}: a second long link for the same entry`);
    metadata.longLink = longName(body, where);
  }
}

/** A GNU long name is the name and a NUL; a NUL with more name after it is refused. */
function longName(body: Buffer, where: string): string {
  const name = cString(body);
  if (body.subarray(name.length).some((byte) => byte !== 0)) {
    throw new InvalidArgumentError(`${where}: the name contains a NUL byte`);
  }
  return decodeUtf8(name, `${where}: the name`);
}

function entryHeader(raw: RawHeader, metadata: Metadata, offset: number): TarHeader {
  const headerOffset = metadata.offset ?? offset;
  const pax = metadata.pax;
  const archiveName = pax?.path ?? metadata.longName ?? (asciiText(raw.name) ?? decodeUtf8(raw.name, `tar header at byte offset ${offset}: name`));
  // The error text is made only for a check that fails: this runs for every entry of a layer.
  const where = (): string => describe(archiveName, headerOffset);
  if (archiveName === '') throw new InvalidArgumentError(`${where()}: empty name`);
  if (archiveName.includes('\0')) throw new InvalidArgumentError(`${where()}: the name contains a NUL byte`);
  if (pax?.sparse === true) throw new InvalidArgumentError(`${where()}: GNU sparse files (PAX GNU.sparse.*) are not supported`);
  const type = entryType(raw.typeflag, archiveName, where);
  const isLink = type === 'symlink' || type === 'hardlink';
  const isDevice = type === 'char' || type === 'block';
  return {
    name: archiveName.length > 1 && archiveName.endsWith('/') ? archiveName.replace(/(?<=.)\/+$/, '') : archiveName,
    type,
    mode: Number(checked(raw.mode, 0xffff_ffff, 'mode', where) & 0o7777n),
    uid: pax?.uid ?? Number(checked(raw.uid, MAX_ID, 'uid', where)),
    gid: pax?.gid ?? Number(checked(raw.gid, MAX_ID, 'gid', where)),
    uname: pax?.uname ?? asciiText(raw.uname) ?? decodeUtf8(raw.uname, `${where()}: uname`),
    gname: pax?.gname ?? asciiText(raw.gname) ?? decodeUtf8(raw.gname, `${where()}: gname`),
    size: type === 'file' ? (pax?.size ?? Number(checked(raw.size, Number.MAX_SAFE_INTEGER, 'size', where))) : 0,
    mtimeNs: pax?.mtimeNs ?? raw.mtime * 1_000_000_000n,
    linkname: isLink ? linkname(raw, metadata, where) : '',
    devmajor: isDevice ? Number(checked(raw.devmajor, MAX_ID, 'devmajor', where)) : 0,
    devminor: isDevice ? Number(checked(raw.devminor, MAX_ID, 'devminor', where)) : 0,
    xattrs: pax?.xattrs ?? new Map(),
  };
}

function linkname(raw: RawHeader, metadata: Metadata, where: () => string): string {
  const target = metadata.pax?.linkpath ?? metadata.longLink ?? asciiText(raw.linkname) ?? decodeUtf8(raw.linkname, `${where()}: linkname`);
  if (target.includes('\0')) throw new InvalidArgumentError(`${where()}: the link target contains a NUL byte`);
  return target;
}

/** A number from a header field must lie in 0..max. */
function checked(value: bigint, max: number, what: string, where: () => string): bigint {
  if (value < 0n) throw new InvalidArgumentError(`${where()}: negative ${what} ${value}`);
  if (value > BigInt(max)) throw new InvalidArgumentError(`${where()}: ${what} ${value} is out of range (at most ${max})`);
  return value;
}

const TYPES: Readonly<Record<string, EntryType>> = {
  [TYPEFLAG.file]: 'file',
  [TYPEFLAG_V7_FILE]: 'file',
  [TYPEFLAG_CONTIGUOUS]: 'file',
  [TYPEFLAG.hardlink]: 'hardlink',
  [TYPEFLAG.symlink]: 'symlink',
  [TYPEFLAG.char]: 'char',
  [TYPEFLAG.block]: 'block',
  [TYPEFLAG.directory]: 'directory',
  [TYPEFLAG.fifo]: 'fifo',
};

/** Typeflags known to exist, named so the refusal says what the archive holds. */
const UNSUPPORTED_TYPES: Readonly<Record<string, string>> = {
  S: 'a GNU sparse file',
  D: 'a GNU dumpdir (incremental backup directory)',
  M: 'a GNU multi-volume continuation',
  V: 'a GNU volume label',
  N: 'a GNU old-style long name',
  I: 'a star inode metadata entry',
  X: 'a Solaris extended header',
  A: 'a Solaris access control list',
  E: 'a Solaris extended attribute',
};

function entryType(typeflag: string, name: string, where: () => string): EntryType {
  const type = TYPES[typeflag];
  if (type === 'file' && name.endsWith('/')) return 'directory';
  if (type !== undefined) return type;
  const what = UNSUPPORTED_TYPES[typeflag] ?? 'an unknown entry type (a socket or a vendor extension)';
  throw new InvalidArgumentError(`${where()}: typeflag ${JSON.stringify(typeflag)} is ${what}, which layerctl cannot represent`);
}

function describe(name: string, offset: number): string {
  return `tar entry ${JSON.stringify(name)} at byte offset ${offset}`;
}

/**
 * Handles what stands where a header was expected: the end of the input, a partial block, or
 * a zero block, which must be followed by a second one (or by the end of the input).
 */
async function endOfArchive(source: ByteReader, block: Buffer, offset: number, metadata: Metadata): Promise<void> {
  if (metadata.offset !== undefined) {
    throw new InvalidArgumentError(
      `tar header at byte offset ${metadata.offset}: the archive ends after extended headers, before their entry`,
    );
  }
  if (!isZeroBlock(block)) {
    throw new InvalidArgumentError(
      `tar archive truncated: ${block.length}-byte partial header at byte offset ${offset} (garbage, or a cut archive)`,
    );
  }
  if (block.length === BLOCK_SIZE) {
    const next = await source.read(BLOCK_SIZE);
    if (!isZeroBlock(next)) {
      throw new InvalidArgumentError(
        `tar archive: a lone zero block at byte offset ${offset} is followed by data at byte offset ${offset + BLOCK_SIZE}`,
      );
    }
  }
  await source.drain();
}

/** The zeros after a body of `size` bytes, up to the next block. */
function paddingOf(size: number): number {
  return (BLOCK_SIZE - (size % BLOCK_SIZE)) % BLOCK_SIZE;
}

async function skipPadding(source: ByteReader, size: number, where: () => string): Promise<void> {
  const padding = paddingOf(size);
  if ((await source.skip(padding)) < padding) {
    throw new InvalidArgumentError(`${where()}: archive truncated: the padding after the body is missing`);
  }
}

/**
 * A body read straight from the archive; the reader skips whatever the consumer leaves. Its own
 * iterator (not a generator): one is made for every entry of a layer.
 */
class EntryBody implements TarBody, AsyncIterator<Buffer> {
  readonly #source: ByteReader;
  /** The entry's name and header offset, for errors. */
  readonly #name: string;
  readonly #offset: number;
  readonly #size: number;
  #remaining: number;
  #abandoned = false;

  constructor(source: ByteReader, name: string, offset: number, size: number) {
    this.#source = source;
    this.#name = name;
    this.#offset = offset;
    this.#size = size;
    this.#remaining = size;
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return this;
  }

  async next(): Promise<IteratorResult<Buffer>> {
    if (this.#abandoned) {
      throw new FailedPreconditionError(`${describe(this.#name, this.#offset)}: body read after the reader moved on to the next entry`);
    }
    if (this.#remaining === 0) return { done: true, value: undefined };
    const piece = await this.#source.next(this.#remaining);
    if (piece.length === 0) throw this.#truncated();
    this.#remaining -= piece.length;
    return { done: false, value: piece };
  }

  takeWhole(): Buffer | undefined {
    if (this.#abandoned) return undefined;
    const piece = this.#source.take(this.#remaining);
    if (piece !== undefined) this.#remaining = 0;
    return piece;
  }

  /**
   * Skips what the consumer left; from then on, reading the rest is a mistake that fails loudly.
   * Returns a promise only when it has to wait for input.
   */
  discard(): Promise<void> | undefined {
    if (this.#remaining === 0) return undefined;
    this.#abandoned = true;
    if (this.#source.skipNow(this.#remaining)) {
      this.#remaining = 0;
      return undefined;
    }
    return this.#skipRest();
  }

  async #skipRest(): Promise<void> {
    const skipped = await this.#source.skip(this.#remaining);
    this.#remaining -= skipped;
    if (this.#remaining > 0) throw this.#truncated();
  }

  #truncated(): InvalidArgumentError {
    const got = this.#size - this.#remaining;
    return new InvalidArgumentError(`${describe(this.#name, this.#offset)}: archive truncated: body ends after ${got} of ${this.#size} bytes`);
  }
}
