/**
 * PAX extended header records (POSIX.1-2001 pax format): "%d %s=%s\n", where the decimal length
 * counts the whole record, its own digits included.
 *
 * Values stay raw bytes (Buffer) from end to end: a SCHILY.xattr.* value is binary (a
 * security.capability value holds NULs and high bytes), and decoding it as UTF-8, as tar-stream
 * does, corrupts it. Text values (path, linkpath, uname, gname) are decoded strictly, so bytes
 * that are not UTF-8 are refused rather than silently replaced.
 */
import { InvalidArgumentError } from '@layerctl/sys';

/** Keys layerctl reads and writes. */
export const PAX_PATH = 'path';
export const PAX_LINKPATH = 'linkpath';
export const PAX_UID = 'uid';
export const PAX_GID = 'gid';
export const PAX_UNAME = 'uname';
export const PAX_GNAME = 'gname';
export const PAX_SIZE = 'size';
export const PAX_MTIME = 'mtime';
/** Extended attributes as star, GNU tar, Go and Docker write them: the value is the raw bytes. */
export const SCHILY_XATTR_PREFIX = 'SCHILY.xattr.';
/** libarchive's form: the name percent-encoded, the value base64. Read only. */
export const LIBARCHIVE_XATTR_PREFIX = 'LIBARCHIVE.xattr.';
/** GNU sparse files in PAX form (formats 0.0 to 1.0) carry these keys; their data is a sparse map. */
export const GNU_SPARSE_PREFIX = 'GNU.sparse.';

/** uid_t and gid_t are 32 bits on Linux. */
export const MAX_ID = 0xffff_ffff;
const NS_PER_SECOND = 1_000_000_000n;
/** Go and GNU tar keep mtimes within an int64 of seconds; anything beyond is hostile. */
const MAX_SECONDS = (1n << 63n) - 1n;
/** The decimal length of one record: 20 digits hold any int64, far beyond any real record. */
const MAX_LENGTH_DIGITS = 20;
const SPACE = 0x20;
const EQUALS = 0x3d;
const NEWLINE = 0x0a;

/** One record, in the order it stood in the header. */
export type PaxRecord = readonly [key: string, value: Buffer];

/** What the records of one 'x' header say about the next entry; a field is absent when no record set it. */
export interface PaxFields {
  path?: string;
  linkpath?: string;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  size?: number;
  mtimeNs?: bigint;
  xattrs: Map<string, Buffer>;
  /** Set when GNU.sparse.* keys say the body is a sparse map, which layerctl cannot represent. */
  sparse: boolean;
}

/** Encodes records into the body of a PAX header, in the order given. */
export function encodePaxRecords(records: Iterable<PaxRecord>): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of records) parts.push(encodePaxRecord(key, value));
  return Buffer.concat(parts);
}

/** One record; its length prefix counts itself, so adding a digit may need one more digit. */
export function encodePaxRecord(key: string, value: Buffer): Buffer {
  const keyBytes = Buffer.from(key, 'utf8');
  const rest = keyBytes.length + value.length + 3; // the space, the '=' and the newline
  let length = rest + String(rest).length;
  if (String(length).length !== String(rest).length) length = rest + String(length).length;
  return Buffer.concat([Buffer.from(`${length} `), keyBytes, Buffer.from('='), value, Buffer.from('\n')]);
}

/**
 * Splits the body of a PAX header into records. `where` names the header in errors. Each
 * record must be well formed and lie wholly inside the body: a length field claiming more
 * than the body holds (the "giant header" attack) is refused, never trusted. Values are views
 * of `body` (paxFields copies the ones it keeps).
 */
export function decodePaxRecords(body: Buffer, where: string): PaxRecord[] {
  const records: PaxRecord[] = [];
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(SPACE, at);
    const digitsEnd = space === -1 ? body.length : space;
    const length = decimalDigits(body, at, digitsEnd);
    if (space === -1 || length === undefined || digitsEnd - at > MAX_LENGTH_DIGITS) {
      throw new InvalidArgumentError(`${where}: malformed PAX record at byte ${at}: no decimal length`);
    }
    const end = at + length;
    if (end > body.length) {
      const digits = body.toString('latin1', at, space);
      throw new InvalidArgumentError(
        `${where}: PAX record at byte ${at} claims ${digits} bytes but only ${body.length - at} remain`,
      );
    }
    const equals = body.indexOf(EQUALS, space + 1);
    if (length <= space - at + 1 || equals === -1 || equals >= end || body[end - 1] !== NEWLINE) {
      throw new InvalidArgumentError(`${where}: malformed PAX record at byte ${at}: expected "<length> <key>=<value>\\n"`);
    }
    const keyBytes = body.subarray(space + 1, equals);
    const key = asciiText(keyBytes) ?? decodeUtf8(keyBytes, `${where}: PAX key at byte ${at}`);
    if (key === '' || key.includes('\0')) {
      throw new InvalidArgumentError(`${where}: PAX record at byte ${at} has an empty key or a NUL in it`);
    }
    records.push([key, body.subarray(equals + 1, end - 1)]);
    at = end;
  }
  return records;
}

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/** The decimal number bytes start..end spell, undefined if there are none or one is not a digit. */
function decimalDigits(bytes: Buffer, start: number, end: number): number | undefined {
  if (end <= start) return undefined;
  let value = 0;
  for (let i = start; i < end; i++) {
    const byte = bytes[i] ?? 0;
    if (byte < DIGIT_0 || byte > DIGIT_9) return undefined;
    value = value * 10 + (byte - DIGIT_0);
  }
  return value;
}

/**
 * Interprets records (a later record for the same key wins, as in POSIX). An empty value
 * deletes the key, so the ustar field stands, except for xattrs, whose value may be empty.
 * Unknown keys (atime, ctime, comment, charset, SCHILY.dev, ...) are ignored.
 */
export function paxFields(records: Iterable<PaxRecord>, where: string): PaxFields {
  const fields: PaxFields = { xattrs: new Map(), sparse: false };
  for (const [key, value] of records) {
    const field = FIELD_OF_KEY.get(key);
    if (field !== undefined && value.length === 0) {
      delete fields[field];
    } else if (field !== undefined) {
      // The error text is made only when a value is refused: a layer has a PAX header per entry.
      setField(fields, field, value, where, key);
    } else if (key.startsWith(SCHILY_XATTR_PREFIX)) {
      // Copied: the record may be a view of a buffer its reader lets go.
      fields.xattrs.set(xattrName(key.slice(SCHILY_XATTR_PREFIX.length), paxWhat(where, key)), Buffer.from(value));
    } else if (key.startsWith(LIBARCHIVE_XATTR_PREFIX)) {
      const what = paxWhat(where, key);
      const name = percentDecode(key.slice(LIBARCHIVE_XATTR_PREFIX.length), what);
      fields.xattrs.set(xattrName(name, what), base64Decode(value, what));
    } else if (key.startsWith(GNU_SPARSE_PREFIX)) {
      fields.sparse = true;
    }
  }
  return fields;
}

function paxWhat(where: string, key: string): string {
  return `${where}: PAX ${key}`;
}

/** "sec" or "sec.frac", as Go formats it: a negative time is "-" then its magnitude, so -1.5 s is "-1.5". */
export function formatPaxTime(ns: bigint): string {
  const sign = ns < 0n ? '-' : '';
  const magnitude = ns < 0n ? -ns : ns;
  const seconds = magnitude / NS_PER_SECOND;
  const fraction = magnitude % NS_PER_SECOND;
  if (fraction === 0n) return `${sign}${seconds}`;
  return `${sign}${seconds}.${String(fraction).padStart(9, '0').replace(/0+$/, '')}`;
}

/** Parses formatPaxTime's form; digits past nanoseconds are dropped, as Go does. */
export function parsePaxTime(text: string, what: string): bigint {
  const match = /^(-?)([0-9]+)(?:\.([0-9]*))?$/.exec(text);
  if (match === null) throw new InvalidArgumentError(`${what}: not a time in seconds: ${JSON.stringify(text)}`);
  const [, sign = '', secondsText = '', fractionText = ''] = match;
  const seconds = BigInt(secondsText);
  if (seconds > MAX_SECONDS) throw new InvalidArgumentError(`${what}: ${text} seconds is out of range`);
  const magnitude = seconds * NS_PER_SECOND + BigInt(fractionText.slice(0, 9).padEnd(9, '0'));
  return sign === '-' ? -magnitude : magnitude;
}

/** Decodes bytes that must be UTF-8, refusing any that are not. */
export function decodeUtf8(bytes: Buffer, what: string): string {
  const ascii = asciiText(bytes);
  if (ascii !== undefined) return ascii;
  try {
    return STRICT_UTF8.decode(bytes);
  } catch (err) {
    throw new InvalidArgumentError(`${what} is not valid UTF-8: ${JSON.stringify(bytes.toString('latin1'))}`, {
      cause: err,
    });
  }
}

/**
 * The text of bytes that are all ASCII (which UTF-8 spells the same), else undefined: the cheap
 * answer for the names and keys of nearly every header, without a decoder call.
 */
export function asciiText(bytes: Buffer): string | undefined {
  const length = bytes.length;
  if (length === 0) return '';
  for (let i = 0; i < length; i++) if ((bytes[i] ?? ASCII_END) >= ASCII_END) return undefined;
  return bytes.toString('latin1');
}

const ASCII_END = 0x80;

// ignoreBOM keeps a leading U+FEFF as part of the name instead of dropping it.
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

type RecordField = Exclude<keyof PaxFields, 'xattrs' | 'sparse'>;

const FIELD_OF_KEY = new Map<string, RecordField>([
  [PAX_PATH, 'path'],
  [PAX_LINKPATH, 'linkpath'],
  [PAX_UID, 'uid'],
  [PAX_GID, 'gid'],
  [PAX_UNAME, 'uname'],
  [PAX_GNAME, 'gname'],
  [PAX_SIZE, 'size'],
  [PAX_MTIME, 'mtimeNs'],
]);

function setField(fields: PaxFields, field: RecordField, value: Buffer, where: string, key: string): void {
  switch (field) {
    case 'path':
    case 'linkpath':
    case 'uname':
    case 'gname':
      fields[field] = textValue(value, where, key);
      break;
    case 'uid':
    case 'gid':
      fields[field] = decimal(value, MAX_ID, where, key);
      break;
    case 'size':
      fields.size = decimal(value, Number.MAX_SAFE_INTEGER, where, key);
      break;
    case 'mtimeNs': {
      const text = value.toString('latin1');
      fields.mtimeNs = plainPaxTime(text) ?? parsePaxTime(text, paxWhat(where, key));
      break;
    }
  }
}

const MINUS = 0x2d;
const DOT = 0x2e;
/** Up to this many digits of seconds, a double holds them exactly. */
const EXACT_SECONDS_DIGITS = 15;
const NS_DIGITS = 9;

/**
 * parsePaxTime without a regular expression, for the forms every writer uses ("sec" or
 * "sec.frac", 1 to 15 digits of seconds); undefined for anything else, which parsePaxTime then
 * reads or refuses. A layer has a PAX mtime for nearly every entry.
 */
function plainPaxTime(text: string): bigint | undefined {
  const length = text.length;
  const negative = text.charCodeAt(0) === MINUS;
  let i = negative ? 1 : 0;
  const secondsStart = i;
  let seconds = 0;
  for (; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code < DIGIT_0 || code > DIGIT_9) break;
    seconds = seconds * 10 + (code - DIGIT_0);
  }
  if (i === secondsStart || i - secondsStart > EXACT_SECONDS_DIGITS) return undefined;
  let fraction = 0;
  let fractionDigits = 0;
  if (i < length) {
    if (text.charCodeAt(i) !== DOT) return undefined;
    for (i++; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code < DIGIT_0 || code > DIGIT_9) return undefined;
      // Digits past nanoseconds are dropped, as parsePaxTime does.
      if (fractionDigits < NS_DIGITS) {
        fraction = fraction * 10 + (code - DIGIT_0);
        fractionDigits++;
      }
    }
  }
  const magnitude = BigInt(seconds) * NS_PER_SECOND + BigInt(fraction * 10 ** (NS_DIGITS - fractionDigits));
  return negative ? -magnitude : magnitude;
}

function textValue(value: Buffer, where: string, key: string): string {
  if (value.includes(0)) throw new InvalidArgumentError(`${paxWhat(where, key)} contains a NUL byte`);
  return asciiText(value) ?? decodeUtf8(value, paxWhat(where, key));
}

function decimal(value: Buffer, max: number, where: string, key: string): number {
  const plain = decimalDigits(value, 0, value.length);
  if (plain !== undefined && plain <= max) return plain;
  const what = paxWhat(where, key);
  const text = value.toString('latin1');
  if (/^-[0-9]+$/.test(text)) throw new InvalidArgumentError(`${what} is negative: ${text}`);
  if (!/^[0-9]+$/.test(text)) throw new InvalidArgumentError(`${what} is not a decimal number: ${JSON.stringify(text)}`);
  const number = Number(text);
  if (number > max) throw new InvalidArgumentError(`${what} ${text} is out of range (at most ${max})`);
  return number;
}

function xattrName(name: string, what: string): string {
  if (name === '' || name.includes('\0')) throw new InvalidArgumentError(`${what}: empty xattr name or a NUL in it`);
  return name;
}

function percentDecode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch (err) {
    throw new InvalidArgumentError(`${what}: the xattr name is not valid percent-encoding`, { cause: err });
  }
}

function base64Decode(value: Buffer, what: string): Buffer {
  const text = value.toString('latin1');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new InvalidArgumentError(`${what}: the value is not base64`);
  return Buffer.from(text, 'base64');
}
