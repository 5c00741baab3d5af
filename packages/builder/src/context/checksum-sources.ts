import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Stats } from 'node:fs';
import type { Blake3Hasher } from '@napi-rs/blake-hash';
import { FailedPreconditionError, lgetxattr, llistxattr, wrapNodeError } from '@layerctl/sys';
import type { PatternMatcher } from '../dockerignore/pattern-matcher.ts';
import type { ContextSums, EntrySum } from './context-sums.ts';
import type { SelectedSource } from './select-sources.ts';
import { walkSource, type ContextEntry } from './walk-source.ts';
import { compareNames } from './select-sources.ts';

/** Prefix of the digests checksumSources returns: the records below, with each file's content as its blake3. */
export const CONTEXT_CHECKSUM_ALGORITHM = 'sha256';

/** Read size for file contents: large enough to keep the hasher busy, small enough to stream. */
const READ_CHUNK_BYTES = 1024 * 1024;

/** How much content is hashed between two turns of the event loop. */
const YIELD_EVERY_BYTES = 32 * READ_CHUNK_BYTES;

/**
 * A content checksum of exactly what `sources` bring into the image, for the build cache:
 * "sha256:<hex>". Each selected source contributes its context path and, for every entry
 * walkSource yields (what .dockerignore keeps), the path, type, permission bits (setuid, setgid
 * and sticky included), uid, gid, size, device number, link target, extended attributes and,
 * for a regular file, the blake3 of its content, read as a stream. Modification and change times
 * are left out, as in BuildKit, so touching a file keeps the cache and editing it does not.
 *
 * With `sums`, an entry's xattrs and content digest are taken from an earlier build while its
 * stat key is unchanged (context-sums.ts): a rebuild of an unchanged context then only stats it.
 * blake3 (a native addon) and the xattr calls are loaded only when something must be read.
 */
export async function checksumSources(sources: readonly SelectedSource[], ignore: PatternMatcher, sums?: ContextSums): Promise<string> {
  const hash = createHash('sha256');
  const reader = new ContentReader();
  for (const source of sources) {
    hash.update(`${JSON.stringify(['source', source.contextPath, source.resolvedPath])}\n`);
    for await (const entry of walkSource(source, ignore)) {
      const sum = sums?.get(entry.absolutePath, entry.stats) ?? (await learn(entry, reader, sums));
      hash.update(`${JSON.stringify([...describe(entry), sum.xattrs])}\n`);
      if (sum.content !== undefined) hash.update(`${sum.content}\n`);
    }
  }
  return `${CONTEXT_CHECKSUM_ALGORITHM}:${hash.digest('hex')}`;
}

/** Reads what the stats do not tell (xattrs, content) and remembers it in `sums`. */
async function learn(entry: ContextEntry, reader: ContentReader, sums: ContextSums | undefined): Promise<EntrySum> {
  const sum: EntrySum = { xattrs: xattrs(entry.absolutePath) };
  if (entry.stats.isFile()) sum.content = await reader.blake3(entry);
  sums?.set(entry.absolutePath, entry.stats, sum);
  return sum;
}

function fileType(stats: Stats): string {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'dir';
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isCharacterDevice()) return 'char';
  if (stats.isBlockDevice()) return 'block';
  return 'socket';
}

/** Everything but times and xattrs: one JSON array (xattrs end it), so no two different entries can write the same record. */
function describe(entry: ContextEntry): unknown[] {
  const { stats } = entry;
  const device = stats.isCharacterDevice() || stats.isBlockDevice() ? stats.rdev : 0;
  const size = stats.isFile() ? stats.size : 0;
  return [entry.relativePath, fileType(stats), stats.mode & 0o7777, stats.uid, stats.gid, size, device, entry.linkTarget ?? ''];
}

/** name -> base64 value, in name order (values are bytes: security.capability is binary). */
function xattrs(file: string): [string, string][] {
  return llistxattr(file)
    .sort(compareNames)
    .flatMap((name) => {
      const value = lgetxattr(file, name);
      return value === undefined ? [] : [[name, value.toString('base64')] satisfies [string, string]];
    });
}

/** One reusable read buffer and blake3, loaded on the first file whose content is read. */
class ContentReader {
  readonly #buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  #blake3: Promise<typeof import('@napi-rs/blake-hash')> | undefined;

  /** The blake3 hex of the file's content. */
  async blake3(entry: ContextEntry): Promise<string> {
    this.#blake3 ??= import('@napi-rs/blake-hash');
    const hasher = new (await this.#blake3).Blake3Hasher();
    await hashContent(hasher, entry, this.#buffer);
    return hasher.digest('hex');
  }
}

/**
 * Streams the file through the hasher in chunks of one reusable buffer. The reads are synchronous
 * (a small file costs one open and one read instead of a stream's set-up), and the event loop gets
 * a turn after every YIELD_EVERY_BYTES so that a progress display keeps moving during a large file.
 * A file that changes size meanwhile is an error, not a silent mismatch.
 */
async function hashContent(hasher: Blake3Hasher, entry: ContextEntry, buffer: Buffer): Promise<void> {
  let read = 0;
  let fd: number;
  try {
    // O_NOFOLLOW: a file swapped for a symlink since the walk is refused, not followed out of the context.
    fd = fs.openSync(entry.absolutePath, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (err) {
    throw wrapNodeError(err, entry.absolutePath);
  }
  try {
    for (;;) {
      const n = fs.readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      hasher.update(buffer.subarray(0, n));
      read += n;
      if (read % YIELD_EVERY_BYTES < n) await new Promise((resolve) => setImmediate(resolve));
    }
  } catch (err) {
    throw wrapNodeError(err, entry.absolutePath);
  } finally {
    fs.closeSync(fd);
  }
  if (read !== entry.stats.size) {
    throw new FailedPreconditionError(`${entry.absolutePath}: changed while the build read it (${entry.stats.size} bytes before, ${read} now); build again once it is stable`);
  }
}
