import fs from 'node:fs';
import type { Stats } from 'node:fs';
import { Blake3Hasher } from '@napi-rs/blake-hash';
import { FailedPreconditionError, lgetxattr, llistxattr, wrapNodeError } from '@layerctl/sys';
import type { PatternMatcher } from '../dockerignore/pattern-matcher.ts';
import type { SelectedSource } from './select-sources.ts';
import { walkSource, type ContextEntry } from './walk-source.ts';
import { compareNames } from './select-sources.ts';

/** Prefix of the digests checksumSources returns. */
export const CONTEXT_CHECKSUM_ALGORITHM = 'blake3';

/** Read size for file contents: large enough to keep the hasher busy, small enough to stream. */
const READ_CHUNK_BYTES = 1024 * 1024;

/** How much content is hashed between two turns of the event loop. */
const YIELD_EVERY_BYTES = 32 * READ_CHUNK_BYTES;

/**
 * A content checksum of exactly what `sources` bring into the image, for the build cache:
 * "blake3:<hex>". Each selected source contributes its context path and, for every entry
 * walkSource yields (what .dockerignore keeps), the path, type, permission bits (setuid, setgid
 * and sticky included), uid, gid, size, device number, link target, extended attributes and the
 * content of regular files, read as a stream. Modification and change times are left out, as in
 * BuildKit, so touching a file keeps the cache and editing it does not.
 */
export async function checksumSources(sources: readonly SelectedSource[], ignore: PatternMatcher): Promise<string> {
  const hasher = new Blake3Hasher();
  const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  for (const source of sources) {
    hasher.update(`${JSON.stringify(['source', source.contextPath, source.resolvedPath])}\n`);
    for await (const entry of walkSource(source, ignore)) {
      hasher.update(`${JSON.stringify(describe(entry))}\n`);
      if (entry.stats.isFile()) await hashContent(hasher, entry, buffer);
    }
  }
  return `${CONTEXT_CHECKSUM_ALGORITHM}:${hasher.digest('hex')}`;
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

/** Everything but times: one JSON array, so no two different entries can write the same record. */
function describe(entry: ContextEntry): unknown[] {
  const { stats } = entry;
  const device = stats.isCharacterDevice() || stats.isBlockDevice() ? stats.rdev : 0;
  const size = stats.isFile() ? stats.size : 0;
  return [entry.relativePath, fileType(stats), stats.mode & 0o7777, stats.uid, stats.gid, size, device, entry.linkTarget ?? '', xattrs(entry.absolutePath)];
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
