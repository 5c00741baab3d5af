/**
 * ustar header blocks: pure functions over 512-byte blocks, no streams and no I/O.
 *
 * Why layerctl has its own tar codec: tar-stream 3.2.2, the library we had planned on, decodes
 * PAX values as UTF-8 strings, so binary xattr values such as security.capability are corrupted
 * in both directions; it clamps uid/gid above 262143, mangles mtimes after 2038 and turns mode 0
 * into 0644. Layer tars must be exact (their sha256 is the layer's DiffID, and the files they
 * make must carry the very owner, mode, time and capabilities they were built with), so the
 * header layer is ours. The design follows tar-stream and Go's archive/tar.
 *
 * Formats read: POSIX ustar (with its name prefix), GNU ("ustar  \0" magic: no prefix, the
 * bytes after gname hold times and offsets we ignore), star (131-byte prefix), and v7 (no
 * magic: only name, mode, ids, size, mtime, typeflag and linkname mean anything). Numeric
 * fields are octal or, as GNU tar and Go write values that do not fit, base-256. Format
 * written: ustar ("ustar\0" "00"), which the writer extends with PAX records where needed.
 */
import { InvalidArgumentError } from '@layerctl/sys';

/** Every tar header and every body is laid out in blocks of this size. */
export const BLOCK_SIZE = 512;

/** Typeflags of the entries TarHeader can hold. */
export const TYPEFLAG = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  char: '3',
  block: '4',
  directory: '5',
  fifo: '6',
} as const;

/** The v7 regular-file typeflag: a NUL byte. Old tars also wrote directories this way, with a trailing '/'. */
export const TYPEFLAG_V7_FILE = '\0';
/** A "contiguous file": a regular file on every system but one long gone. */
export const TYPEFLAG_CONTIGUOUS = '7';
/** PAX extended header: records that apply to the next entry. */
export const TYPEFLAG_PAX = 'x';
/** PAX global header: records meant for every later entry (layerctl ignores them, as Go does). */
export const TYPEFLAG_PAX_GLOBAL = 'g';
/** GNU long name: the body is the next entry's name. */
export const TYPEFLAG_GNU_LONG_NAME = 'L';
/** GNU long link: the body is the next entry's link target. */
export const TYPEFLAG_GNU_LONG_LINK = 'K';

/** The ustar magic and version (POSIX.1-1988; PAX archives use it too). */
const USTAR_MAGIC = 'ustar\0';
const USTAR_VERSION = '00';
/** GNU tar's magic and version, one 8-byte field in fact. */
const GNU_MAGIC = 'ustar ';
const GNU_VERSION = ' \0';
/** star puts this in the last 4 bytes; its prefix is then 131 bytes, followed by atime and ctime. */
const STAR_TRAILER = 'tar\0';

interface Field {
  readonly offset: number;
  readonly length: number;
}

const NAME: Field = { offset: 0, length: 100 };
const MODE: Field = { offset: 100, length: 8 };
const UID: Field = { offset: 108, length: 8 };
const GID: Field = { offset: 116, length: 8 };
const SIZE: Field = { offset: 124, length: 12 };
const MTIME: Field = { offset: 136, length: 12 };
const CHECKSUM: Field = { offset: 148, length: 8 };
const TYPE: Field = { offset: 156, length: 1 };
const LINKNAME: Field = { offset: 157, length: 100 };
const MAGIC: Field = { offset: 257, length: 6 };
const VERSION: Field = { offset: 263, length: 2 };
const UNAME: Field = { offset: 265, length: 32 };
const GNAME: Field = { offset: 297, length: 32 };
const DEVMAJOR: Field = { offset: 329, length: 8 };
const DEVMINOR: Field = { offset: 337, length: 8 };
const PREFIX: Field = { offset: 345, length: 155 };
const STAR_PREFIX: Field = { offset: 345, length: 131 };
const TRAILER: Field = { offset: 508, length: 4 };

/** Widths the writer needs to decide what fits in ustar. */
export const NAME_FIELD_LENGTH = NAME.length;
export const LINKNAME_FIELD_LENGTH = LINKNAME.length;
/** uname and gname are NUL-terminated in ustar, so one byte of the 32 is the terminator. */
export const OWNER_NAME_MAX_LENGTH = UNAME.length - 1;
/** Largest value an 8-byte octal field holds (mode, uid, gid, devmajor, devminor): 0o7777777. */
export const MAX_OCTAL_8 = octalMax(UID.length);
/** Largest value a 12-byte octal field holds (size, mtime): 0o77777777777, 8 GiB - 1 or year 2242. */
export const MAX_OCTAL_12 = octalMax(SIZE.length);

export type TarFormat = 'ustar' | 'gnu' | 'v7';

/**
 * One header block's fields, as raw as they are useful: names as the bytes in the block (the
 * reader decodes them only if no PAX record replaces them), numbers as bigint (base-256 can
 * hold any int64, and the reader range-checks them naming the entry).
 */
export interface UstarFields {
  /** The full name; in a ustar block, prefix + '/' + name. */
  name: Buffer;
  typeflag: string;
  mode: bigint;
  uid: bigint;
  gid: bigint;
  size: bigint;
  /** Seconds since the epoch. */
  mtime: bigint;
  linkname: Buffer;
  uname: Buffer;
  gname: Buffer;
  devmajor: bigint;
  devminor: bigint;
}

export interface RawHeader extends UstarFields {
  format: TarFormat;
}

/** True for the all-zero block that marks the end of an archive. */
export function isZeroBlock(block: Buffer): boolean {
  for (const byte of block) if (byte !== 0) return false;
  return true;
}

/**
 * Decodes one header block. `offset` (its byte offset in the archive) only names the block in
 * errors. Throws InvalidArgumentError for a bad checksum or a malformed numeric field.
 */
export function decodeHeader(block: Buffer, offset = 0): RawHeader {
  const where = `tar header at byte offset ${offset}`;
  if (block.length !== BLOCK_SIZE) {
    throw new InvalidArgumentError(`${where}: a header is ${BLOCK_SIZE} bytes, got ${block.length}`);
  }
  checkChecksum(block, where);
  const format = formatOf(block);
  // The error text is made only for a field that fails: this runs for every header of a layer.
  const number = (field: Field, what: string): bigint => parseOctal(block, field) ?? parseNumeric(slice(block, field), `${where}: ${what}`);
  const hasOwners = format !== 'v7';
  return {
    name: joinPrefix(prefixOf(block, format), cString(slice(block, NAME))),
    typeflag: String.fromCharCode(block[TYPE.offset] ?? 0),
    mode: number(MODE, 'mode'),
    uid: number(UID, 'uid'),
    gid: number(GID, 'gid'),
    size: number(SIZE, 'size'),
    mtime: number(MTIME, 'mtime'),
    linkname: cString(slice(block, LINKNAME)),
    uname: hasOwners ? cString(slice(block, UNAME)) : Buffer.alloc(0),
    gname: hasOwners ? cString(slice(block, GNAME)) : Buffer.alloc(0),
    devmajor: hasOwners ? number(DEVMAJOR, 'devmajor') : 0n,
    devminor: hasOwners ? number(DEVMINOR, 'devminor') : 0n,
    format,
  };
}

/**
 * Encodes one ustar header block. The name must fit the name field or split at a '/' into
 * prefix and name (see splitUstarName); numbers are written in octal, or base-256 when octal
 * cannot hold them (GNU tar and Go read both). Throws InvalidArgumentError when a value does
 * not fit at all: the writer moves such values to PAX records before it gets here.
 */
export function encodeHeader(fields: UstarFields): Buffer {
  const block = Buffer.alloc(BLOCK_SIZE);
  const where = `tar header for ${JSON.stringify(fields.name.toString('latin1'))}`;
  const split = splitUstarName(fields.name);
  if (split === undefined) {
    throw new InvalidArgumentError(`${where}: the name does not fit the ustar name and prefix fields`);
  }
  putBytes(block, NAME, split.name, `${where}: name`);
  putBytes(block, PREFIX, split.prefix, `${where}: prefix`);
  putNumber(block, MODE, fields.mode, `${where}: mode`);
  putNumber(block, UID, fields.uid, `${where}: uid`);
  putNumber(block, GID, fields.gid, `${where}: gid`);
  putNumber(block, SIZE, fields.size, `${where}: size`);
  putNumber(block, MTIME, fields.mtime, `${where}: mtime`);
  block.write(fields.typeflag, TYPE.offset, TYPE.length, 'latin1');
  putBytes(block, LINKNAME, fields.linkname, `${where}: linkname`);
  block.write(USTAR_MAGIC, MAGIC.offset, MAGIC.length, 'latin1');
  block.write(USTAR_VERSION, VERSION.offset, VERSION.length, 'latin1');
  putBytes(block, UNAME, fields.uname, `${where}: uname`, OWNER_NAME_MAX_LENGTH);
  putBytes(block, GNAME, fields.gname, `${where}: gname`, OWNER_NAME_MAX_LENGTH);
  putNumber(block, DEVMAJOR, fields.devmajor, `${where}: devmajor`);
  putNumber(block, DEVMINOR, fields.devminor, `${where}: devminor`);
  // The checksum is 6 octal digits, a NUL and a space, as every tar has written it since v7.
  const sum = unsignedChecksum(block);
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, CHECKSUM.offset, CHECKSUM.length, 'latin1');
  return block;
}

/**
 * Splits a name into the ustar prefix and name fields, as Go's splitUSTARPath does: the whole
 * name if it fits in 100 bytes, else at the last '/' that leaves at most 155 bytes before it
 * and 1 to 100 after it. Undefined when no such split exists (the writer then uses PAX).
 */
export function splitUstarName(name: Buffer): { prefix: Buffer; name: Buffer } | undefined {
  if (name.length <= NAME.length) return { prefix: Buffer.alloc(0), name };
  let end = Math.min(name.length, PREFIX.length + 1);
  if (end === name.length && name[end - 1] === SLASH) end -= 1;
  const at = name.subarray(0, end).lastIndexOf(SLASH);
  const rest = name.length - at - 1;
  if (at <= 0 || rest === 0 || rest > NAME.length || at > PREFIX.length) return undefined;
  return { prefix: name.subarray(0, at), name: name.subarray(at + 1) };
}

/**
 * Parses a numeric field: base-256 when the first byte has its high bit set (0x80 positive,
 * 0xff-led two's complement negative), else octal padded with spaces or NULs on either side.
 */
export function parseNumeric(field: Buffer, what: string): bigint {
  const first = field[0] ?? 0;
  if ((first & 0x80) !== 0) return parseBase256(field);
  const text = field.toString('latin1').replace(/^[ \0]+|[ \0]+$/g, '');
  if (text === '') return 0n;
  if (!/^[0-7]+$/.test(text)) {
    throw new InvalidArgumentError(`${what} is not an octal number: ${JSON.stringify(field.toString('latin1'))}`);
  }
  return BigInt(`0o${text}`);
}

const SPACE = 0x20;
const DIGIT_0 = 0x30;
const DIGIT_7 = 0x37;

/**
 * An octal field as parseNumeric reads it, straight from the block's bytes (no string, no
 * regular expression); undefined for anything else (base-256, or not a number), which
 * parseNumeric then reads or refuses. Fields are at most 12 digits (36 bits): exact as a number.
 */
function parseOctal(block: Buffer, field: Field): bigint | undefined {
  let start = field.offset;
  let end = field.offset + field.length;
  const isPad = (byte: number | undefined): boolean => byte === SPACE || byte === 0;
  if (((block[start] ?? 0) & 0x80) !== 0) return undefined;
  while (start < end && isPad(block[start])) start++;
  while (end > start && isPad(block[end - 1])) end--;
  let value = 0;
  for (let i = start; i < end; i++) {
    const byte = block[i] ?? 0;
    if (byte < DIGIT_0 || byte > DIGIT_7) return undefined;
    value = value * 8 + (byte - DIGIT_0);
  }
  return BigInt(value);
}

/** The bytes of a NUL-terminated field, up to its NUL or its end. */
export function cString(field: Buffer): Buffer {
  const nul = field.indexOf(0);
  return nul === -1 ? field : field.subarray(0, nul);
}

const SLASH = 0x2f;

function octalMax(fieldLength: number): number {
  return 8 ** (fieldLength - 1) - 1;
}

function slice(block: Buffer, field: Field): Buffer {
  return block.subarray(field.offset, field.offset + field.length);
}

// Compared byte by byte: a string made of them would cost every header an allocation.
const USTAR_MAGIC_BYTES = Buffer.from(USTAR_MAGIC, 'latin1');
const GNU_MAGIC_BYTES = Buffer.from(GNU_MAGIC, 'latin1');
const GNU_VERSION_BYTES = Buffer.from(GNU_VERSION, 'latin1');
const STAR_TRAILER_BYTES = Buffer.from(STAR_TRAILER, 'latin1');
const NO_BYTES = Buffer.alloc(0);

function formatOf(block: Buffer): TarFormat {
  if (holds(block, MAGIC.offset, USTAR_MAGIC_BYTES)) return 'ustar';
  if (holds(block, MAGIC.offset, GNU_MAGIC_BYTES) && holds(block, VERSION.offset, GNU_VERSION_BYTES)) return 'gnu';
  return 'v7';
}

function prefixOf(block: Buffer, format: TarFormat): Buffer {
  if (format !== 'ustar') return NO_BYTES;
  const star = holds(block, TRAILER.offset, STAR_TRAILER_BYTES);
  return cString(slice(block, star ? STAR_PREFIX : PREFIX));
}

/** True when `block` holds `bytes` at `offset`. */
function holds(block: Buffer, offset: number, bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) if (block[offset + i] !== bytes[i]) return false;
  return true;
}

function joinPrefix(prefix: Buffer, name: Buffer): Buffer {
  return prefix.length === 0 ? name : Buffer.concat([prefix, Buffer.from('/'), name]);
}

/**
 * Checks the stored sum against the block's sum with the checksum field read as spaces. Both
 * the unsigned sum (POSIX) and the signed one (old Sun and some BSD tars) are accepted.
 */
function checkChecksum(block: Buffer, where: string): void {
  const stored = parseOctal(block, CHECKSUM) ?? parseNumeric(slice(block, CHECKSUM), `${where}: checksum`);
  const unsigned = unsignedChecksum(block);
  if (stored === BigInt(unsigned)) return;
  const signed = signedChecksum(block, unsigned);
  if (stored !== BigInt(signed)) {
    throw new InvalidArgumentError(
      `${where}: bad header checksum: stored ${stored.toString(8)}, computed ${unsigned.toString(8)} (not a tar, or corrupt)`,
    );
  }
}

/**
 * The POSIX sum: every byte unsigned, the checksum field read as spaces. One plain loop over the
 * block, then the field swapped: this runs for every header read and written.
 */
function unsignedChecksum(block: Buffer): number {
  let sum = (block.byteOffset & 3) === 0 ? wordwiseSum(block) : bytewiseSum(block);
  for (let i = CHECKSUM.offset; i < CHECKSUM.offset + CHECKSUM.length; i++) sum += SPACE - (block[i] ?? 0);
  return sum;
}

function bytewiseSum(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) sum += block[i] ?? 0;
  return sum;
}

const WORD_BYTES = 4;
const EVEN_BYTES = 0x00ff00ff;
const LOW_HALF = 0xffff;

/**
 * The bytes' sum four at a time, for a block that starts on a 4-byte boundary (a header read
 * from the middle of a chunk always does): bytes 0 and 2 of each word add up in one accumulator's
 * two 16-bit halves, bytes 1 and 3 in another's. 128 words of at most 255 a byte stay below 2^15
 * in each half, so no half carries into the next.
 */
function wordwiseSum(block: Buffer): number {
  const words = new Uint32Array(block.buffer, block.byteOffset, BLOCK_SIZE / WORD_BYTES);
  let even = 0;
  let odd = 0;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? 0;
    even += word & EVEN_BYTES;
    odd += (word >>> 8) & EVEN_BYTES;
  }
  return (even & LOW_HALF) + (even >>> 16) + (odd & LOW_HALF) + (odd >>> 16);
}

/** The sum of old Sun and some BSD tars, bytes read as signed: asked for only when the POSIX one fails. */
function signedChecksum(block: Buffer, unsigned: number): number {
  let high = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) {
    const inField = i >= CHECKSUM.offset && i < CHECKSUM.offset + CHECKSUM.length;
    if (!inField && (block[i] ?? 0) >= 0x80) high++;
  }
  // A byte read as signed counts 0x100 less when its high bit is set.
  return unsigned - 0x100 * high;
}

function parseBase256(field: Buffer): bigint {
  let value = 0n;
  field.forEach((byte, i) => {
    value = (value << 8n) | BigInt(i === 0 ? byte & 0x7f : byte);
  });
  const negative = ((field[0] ?? 0) & 0x40) !== 0;
  return negative ? value - (1n << BigInt(field.length * 8 - 1)) : value;
}

function putBytes(block: Buffer, field: Field, bytes: Buffer, what: string, max = field.length): void {
  if (bytes.length > max) throw new InvalidArgumentError(`${what} is ${bytes.length} bytes, the field holds ${max}`);
  if (bytes.includes(0)) throw new InvalidArgumentError(`${what} contains a NUL byte`);
  bytes.copy(block, field.offset);
}

function putNumber(block: Buffer, field: Field, value: bigint, what: string): void {
  const digits = field.length - 1;
  if (value >= 0n && value <= BigInt(octalMax(field.length))) {
    block.write(`${value.toString(8).padStart(digits, '0')}\0`, field.offset, field.length, 'latin1');
    return;
  }
  // Base-256 holds values in [-2^(8n-2), 2^(8n-2)): the top bit marks the encoding, the next is the sign.
  const limit = 1n << BigInt(field.length * 8 - 2);
  if (value < -limit || value >= limit) throw new InvalidArgumentError(`${what} ${value} does not fit its field`);
  let rest = value < 0n ? value + 2n * limit : value;
  for (let i = field.length - 1; i >= 0; i--) {
    block[field.offset + i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  block[field.offset] = (block[field.offset] ?? 0) | 0x80;
}
