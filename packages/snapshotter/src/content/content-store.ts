import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { DigestMismatchError, fsyncDir, InvalidArgumentError, NotFoundError, wrapNodeError } from '@layerctl/sys';
import { errorCode } from '../error-code.ts';
import { tempName } from '../temp-name.ts';
import { writeAll } from '../write-all.ts';
import { DIGEST_ALGORITHM, type Digest, digestHex, digestOfHash, isDigest, parseDigest, sha256Digest } from './digest.ts';
import { blobsDir, ensureOciLayout } from './oci-layout.ts';

export interface BlobInfo {
  digest: Digest;
  size: number;
}

/** What an ingest must match; a blob that differs is refused before it becomes visible. */
export interface ExpectedBlob {
  digest?: Digest;
  size?: number;
}

/** readSmall's default cap: manifests and configs are kilobytes; anything near this is hostile. */
export const SMALL_BLOB_LIMIT = 4 * 1024 * 1024;

/** Prefix of ingest temp files in tmp/ (see temp-name.ts). */
export const INGEST_TEMP_KIND = 'ingest';

/** Blobs are immutable once named by their digest; read-only files say so to anyone looking. */
const BLOB_MODE = 0o444;

const READ_CHUNK = 256 * 1024;

/** A blob file behind a stream read() returned, for readers that read the file themselves. */
export interface StoredBlobFile {
  path: string;
  digest: Digest;
}

const blobFiles = new WeakMap<Readable, StoredBlobFile>();

/**
 * The blob a stream from ContentStore.read() reads, while nothing has been read from it yet:
 * a reader that reads the file itself (blob-decode-worker.ts) may then take over, checking the
 * digest as read() would, and destroy the stream. undefined for any other stream.
 */
export function unreadStoredBlob(stream: AsyncIterable<Buffer>): StoredBlobFile | undefined {
  if (!(stream instanceof Readable) || stream.readableDidRead || stream.destroyed) return undefined;
  return blobFiles.get(stream);
}

/**
 * Content-addressed blobs in an OCI image layout: blobs/sha256/<hex>, plus oci-layout and
 * index.json so the folder is a valid layout for other tools.
 *
 * Rules:
 * - A blob is visible only when complete and verified: ingest writes a temp file in tmpDir (same
 *   filesystem), checks size and digest, fsyncs it, renames it into place and fsyncs the folder.
 * - Concurrent ingests of the same blob all succeed; each renames its own verified copy over the
 *   same name, so one file remains. Every ingest renames, even when the blob exists, so a blob's
 *   ctime tells gc it was just stored.
 * - Reads verify: read() and readSmall() fail with DigestMismatchError if the bytes on disk no
 *   longer match their name. verify() reads a blob only to check that, for a caller whose own
 *   reading failed before read() got to the end where it checks.
 */
export class ContentStore {
  readonly dir: string;
  readonly tmpDir: string;
  readonly #blobsDir: string;

  private constructor(dir: string, tmpDir: string) {
    this.dir = dir;
    this.tmpDir = tmpDir;
    this.#blobsDir = blobsDir(dir);
  }

  static open(dir: string, tmpDir: string): ContentStore {
    fs.mkdirSync(tmpDir, { recursive: true, mode: 0o700 });
    ensureOciLayout(dir, tmpDir);
    return new ContentStore(dir, tmpDir);
  }

  async ingest(source: AsyncIterable<Buffer>, expected: ExpectedBlob = {}): Promise<BlobInfo> {
    return this.#ingest(expected, (tmp, check) => writeVerified(tmp, source, check));
  }

  /**
   * Ingests the bytes `produce` hands to `write`, with the same checks and publication as
   * ingest(). write() hashes and writes its bytes before it returns, so the producer may reuse
   * its buffer right away: writeLayerBlob's compressor writes a whole layer through one buffer.
   */
  async ingestWritten(produce: (write: BlobWrite) => Promise<void>, expected: ExpectedBlob = {}): Promise<BlobInfo> {
    return this.#ingest(expected, (tmp, check) => writeSynchronously(tmp, produce, check));
  }

  async #ingest(expected: ExpectedBlob, write: (tmp: string, check: BlobCheck) => Promise<BlobInfo>): Promise<BlobInfo> {
    const expectedSize = checkExpectedSize(expected);
    const label = expected.digest === undefined ? 'blob being ingested' : `blob ${expected.digest}`;
    const tmp = path.join(this.tmpDir, tempName(INGEST_TEMP_KIND));
    let published = false;
    try {
      const info = await write(tmp, new BlobCheck(label, expected.digest, expectedSize));
      fs.renameSync(tmp, this.path(info.digest));
      published = true;
      fsyncDir(this.#blobsDir);
      return info;
    } catch (error) {
      throw wrapNodeError(error, tmp);
    } finally {
      if (!published) fs.rmSync(tmp, { force: true });
    }
  }

  has(digest: Digest): boolean {
    return fs.existsSync(this.path(digest));
  }

  stat(digest: Digest): BlobInfo {
    const stats = fs.statSync(this.path(digest), { throwIfNoEntry: false });
    if (stats === undefined) throw notFound(digest);
    return { digest, size: stats.size };
  }

  /** Where the blob lives (or would); the digest is checked, so the path never leaves blobs/. */
  path(digest: Digest): string {
    return path.join(this.#blobsDir, digestHex(parseDigest(digest, 'blob digest')));
  }

  read(digest: Digest): Readable {
    const file = fs.createReadStream(this.path(digest), { fd: this.#openBlob(digest), highWaterMark: READ_CHUNK });
    const verified = Readable.from(verifiedChunks(file, digest), { objectMode: false });
    // A reader destroyed before its first read never starts the generator, which would leak the fd.
    verified.once('close', () => file.destroy());
    blobFiles.set(verified, { path: this.path(digest), digest });
    return verified;
  }

  /** Reads the whole blob to check it against its digest; DigestMismatchError when it no longer matches. */
  async verify(digest: Digest): Promise<void> {
    for await (const chunk of this.read(digest)) void chunk;
  }

  /**
   * A document's bytes (a manifest, a config), checked against the digest. Read with blocking
   * calls: the kilobytes take microseconds, where each step through the thread pool (open, stat,
   * read, read, close) cost a round trip of tens of them.
   */
  async readSmall(digest: Digest, maxBytes: number = SMALL_BLOB_LIMIT): Promise<Buffer> {
    const fd = this.#openBlob(digest);
    try {
      const data = readCapped(fd, digest, maxBytes);
      const actual = sha256Digest(data);
      if (actual !== digest) throw new DigestMismatchError(`blob ${digest}`, digest, actual);
      return data;
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Removes the blob; a blob that is not there is already removed. */
  delete(digest: Digest): void {
    fs.rmSync(this.path(digest), { force: true });
  }

  /** Every stored blob; files under blobs/sha256 whose names are not digests are not blobs. */
  list(): Digest[] {
    const digests: Digest[] = [];
    for (const name of fs.readdirSync(this.#blobsDir).sort()) {
      const candidate = `${DIGEST_ALGORITHM}:${name}`;
      if (isDigest(candidate)) digests.push(candidate);
    }
    return digests;
  }

  #openBlob(digest: Digest): number {
    try {
      return fs.openSync(this.path(digest), 'r');
    } catch (error) {
      throw errorCode(error) === 'ENOENT' ? notFound(digest) : wrapNodeError(error);
    }
  }
}

function checkExpectedSize(expected: ExpectedBlob): number | undefined {
  const size = expected.size;
  if (size !== undefined && !(Number.isSafeInteger(size) && size >= 0)) {
    throw new InvalidArgumentError(`blob ${expected.digest ?? 'being ingested'}: expected size ${size} is not a byte count`);
  }
  return size;
}

/** Hands bytes to a blob being ingested: they are hashed and written before the call returns. */
export type BlobWrite = (bytes: Uint8Array) => void;

/** The size and digest of a blob being written, checked against what it must be. */
class BlobCheck {
  readonly #label: string;
  readonly #expectedDigest: Digest | undefined;
  readonly #expectedSize: number | undefined;
  readonly #hash = createHash(DIGEST_ALGORITHM);
  #size = 0;

  constructor(label: string, expectedDigest: Digest | undefined, expectedSize: number | undefined) {
    this.#label = label;
    this.#expectedDigest = expectedDigest;
    this.#expectedSize = expectedSize;
  }

  /** Counts and hashes the next bytes, before they are written. */
  add(bytes: Uint8Array): void {
    this.#size += bytes.length;
    // Refuse as soon as a stream outgrows its declared size: a hostile source must not fill the disk.
    if (this.#expectedSize !== undefined && this.#size > this.#expectedSize) {
      throw new InvalidArgumentError(`${this.#label}: more than the expected ${this.#expectedSize} bytes`);
    }
    this.#hash.update(bytes);
  }

  /** The blob as written, once it matches what was expected. */
  finish(): BlobInfo {
    if (this.#expectedSize !== undefined && this.#size !== this.#expectedSize) {
      throw new InvalidArgumentError(`${this.#label}: expected ${this.#expectedSize} bytes, got ${this.#size}`);
    }
    const digest = digestOfHash(this.#hash);
    if (this.#expectedDigest !== undefined && digest !== this.#expectedDigest) {
      throw new DigestMismatchError(this.#label, this.#expectedDigest, digest);
    }
    return { digest, size: this.#size };
  }
}

/** Streams `source` into a new file at `tmp`, hashing as it goes, and fsyncs it once it matches. */
async function writeVerified(tmp: string, source: AsyncIterable<Buffer>, check: BlobCheck): Promise<BlobInfo> {
  const handle = await fsp.open(tmp, 'wx', BLOB_MODE);
  try {
    for await (const chunk of source) {
      check.add(chunk);
      await writeAll(handle, chunk);
    }
    const info = check.finish();
    await handle.sync();
    return info;
  } finally {
    await handle.close();
  }
}

/** Like writeVerified, for bytes handed over by calls: each is written with synchronous writes before the call returns. */
async function writeSynchronously(tmp: string, produce: (write: BlobWrite) => Promise<void>, check: BlobCheck): Promise<BlobInfo> {
  const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, BLOB_MODE);
  try {
    await produce((bytes) => {
      check.add(bytes);
      for (let done = 0; done < bytes.length; ) done += fs.writeSync(fd, bytes, done);
    });
    const info = check.finish();
    fs.fsyncSync(fd);
    return info;
  } finally {
    fs.closeSync(fd);
  }
}

async function* verifiedChunks(file: AsyncIterable<Buffer>, digest: Digest): AsyncGenerator<Buffer> {
  const hash = createHash(DIGEST_ALGORITHM);
  for await (const chunk of file) {
    hash.update(chunk);
    yield chunk;
  }
  const actual = digestOfHash(hash);
  if (actual !== digest) throw new DigestMismatchError(`blob ${digest}`, digest, actual);
}

/** Reads at most maxBytes + 1 bytes, so a file that grows after the size check cannot exhaust memory. */
function readCapped(fd: number, digest: Digest, maxBytes: number): Buffer {
  const { size } = fs.fstatSync(fd);
  if (size > maxBytes) {
    throw new InvalidArgumentError(`blob ${digest} is ${size} bytes, over the ${maxBytes}-byte limit for a manifest or config`);
  }
  const buffer = Buffer.alloc(size + 1);
  let filled = 0;
  while (filled < buffer.length) {
    const bytesRead = fs.readSync(fd, buffer, filled, buffer.length - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  if (filled > maxBytes) {
    throw new InvalidArgumentError(`blob ${digest} grew past the ${maxBytes}-byte limit while being read`);
  }
  return buffer.subarray(0, filled);
}

function notFound(digest: Digest): NotFoundError {
  return new NotFoundError(`blob ${digest} is not in the content store`);
}
