import path from 'node:path';
import { DigestMismatchError, InvalidArgumentError, NotSupportedError } from '@layerctl/sys';
import { detectCompression, ZSTD_MAGIC, type Compression } from '../archive/compression.ts';
import { peekHead } from '../archive/stream-head.ts';
import { readTar, type TarEntry } from '../archive/tar/index.ts';
import type { BlobInfo } from '../content/content-store.ts';
import { DIGEST_ALGORITHM, parseDigest, type Digest } from '../content/digest.ts';
import { OCI_BLOBS_DIR } from '../content/oci-layout.ts';
import type { Lease } from '../metadata/leases.ts';
import type { Root } from '../root.ts';
import { holdBlob } from './hold-blob.ts';
import { MAX_ARCHIVE_DOCUMENTS_BYTES, MAX_DOCUMENT_BYTES } from './limits.ts';
import { teeInto } from './stream-tee.ts';
import { uncompressedDigest } from './uncompressed-digest.ts';

/** A file of the archive that went into the content store as it streamed past. */
export interface ArchiveBlob {
  digest: Digest;
  size: number;
  /** What its magic number says. */
  compression: Compression;
  /**
   * sha256 of its decompressed bytes (the DiffID, if it is a layer), taken in the same pass; or why
   * it could not be decompressed (it may not be a layer at all, so this is only an error once a
   * manifest calls it one).
   */
  uncompressed: { digest: Digest } | { failure: unknown };
}

/**
 * What one pass over an image archive (OCI layout or docker save) left: every blob in the content
 * store (under the caller's lease), the small JSON files in memory, and the links between paths.
 *
 * The archive is read once, in whatever order its files come, so nothing can wait for index.json
 * or manifest.json to say what a file is:
 * - blobs/sha256/<hex> is ingested and verified against its name (a mismatch fails the load);
 * - index.json, oci-layout, manifest.json, repositories, *.json and the <id>/json, <id>/VERSION of
 *   old docker saves are kept in memory, each under MAX_DOCUMENT_BYTES;
 * - any other file (an old docker save's <id>/layer.tar) is ingested under the digest it turns out to have;
 * - symlinks and hardlinks (old docker saves link repeated layers) are kept as aliases.
 * Paths are only looked up, never written to disk, so a hostile path cannot escape anything.
 */
export class ArchiveFiles {
  readonly what: string;
  readonly #blobs = new Map<string, ArchiveBlob>();
  readonly #byDigest = new Map<Digest, ArchiveBlob>();
  readonly #documents = new Map<string, Buffer>();
  readonly #links = new Map<string, string>();
  #documentBytes = 0;

  private constructor(what: string) {
    this.what = what;
  }

  static async read(root: Root, input: AsyncIterable<Buffer>, lease: Lease, what: string): Promise<ArchiveFiles> {
    const files = new ArchiveFiles(what);
    for await (const entry of naming(readTar(input), what)) {
      await files.#add(root, lease, { header: entry.header, body: naming(entry.body, what) });
    }
    return files;
  }

  hasDocument(name: string): boolean {
    return this.#documents.has(this.#resolve(name));
  }

  /** A JSON file's bytes; throws InvalidArgumentError naming the archive when it is missing. */
  document(name: string): Buffer {
    const document = this.#documents.get(this.#resolve(name));
    if (document === undefined) throw new InvalidArgumentError(`${this.what}: ${name} is missing`);
    return document;
  }

  /** The blob a path (e.g. manifest.json's "abc/layer.tar") names; throws when the archive has none there. */
  blobAt(name: string): ArchiveBlob {
    const blob = this.#blobs.get(this.#resolve(name));
    if (blob === undefined) throw new InvalidArgumentError(`${this.what}: ${name} is not in the archive`);
    return blob;
  }

  /** The blob with this digest, if the archive carried it. */
  blob(digest: Digest): ArchiveBlob | undefined {
    return this.#byDigest.get(digest);
  }

  /** Runs a check of the archive's documents so that its complaints name the archive too. */
  async named<T>(check: () => Promise<T>): Promise<T> {
    try {
      return await check();
    } catch (err) {
      throw inArchive(err, this.what);
    }
  }

  async #add(root: Root, lease: Lease, entry: TarEntry): Promise<void> {
    const { header } = entry;
    const name = cleanName(header.name);
    if (header.type === 'symlink') this.#links.set(name, path.posix.join(path.posix.dirname(name), header.linkname));
    else if (header.type === 'hardlink') this.#links.set(name, cleanName(header.linkname));
    if (header.type !== 'file') return;
    const place = `${this.what}: ${name}`;
    if (name.startsWith(`${OCI_BLOBS_DIR}/`)) this.#addBlob(name, await ingestBlob(root, lease, entry.body, place, blobDigest(name, place), header.size));
    else if (isDocument(name)) this.#addDocument(name, await readDocument(entry.body, header.size, place));
    else this.#addBlob(name, await ingestBlob(root, lease, entry.body, place, undefined, header.size));
  }

  #addBlob(name: string, blob: ArchiveBlob): void {
    this.#refuseDuplicate(name);
    this.#blobs.set(name, blob);
    this.#byDigest.set(blob.digest, blob);
  }

  #addDocument(name: string, bytes: Buffer): void {
    this.#refuseDuplicate(name);
    this.#documentBytes += bytes.length;
    if (this.#documentBytes > MAX_ARCHIVE_DOCUMENTS_BYTES) {
      throw new InvalidArgumentError(`${this.what}: its JSON files add up to more than ${MAX_ARCHIVE_DOCUMENTS_BYTES} bytes`);
    }
    this.#documents.set(name, bytes);
  }

  /** A second copy of a path would make the archive mean two things; tar would silently keep the last. */
  #refuseDuplicate(name: string): void {
    if (this.#blobs.has(name) || this.#documents.has(name)) throw new InvalidArgumentError(`${this.what}: ${name} appears twice`);
  }

  /** Follows links, a few at most (a loop is refused by the bound). */
  #resolve(name: string): string {
    let current = cleanName(name);
    for (let hops = 0; hops < MAX_LINK_HOPS; hops++) {
      const target = this.#links.get(current);
      if (target === undefined) return current;
      current = target;
    }
    throw new InvalidArgumentError(`${this.what}: ${name}: too many links`);
  }
}

/** Old docker saves link a repeated layer to its first copy; a chain longer than this is a loop. */
const MAX_LINK_HOPS = 8;

/**
 * The tar reader's complaints name the entry or offset but not the archive; this puts the
 * archive's name in front of those that come through `source` (and only those: an error of the
 * loop that consumes it does not pass through here).
 */
async function* naming<T>(source: AsyncIterable<T>, what: string): AsyncGenerator<T> {
  try {
    yield* source;
  } catch (err) {
    throw inArchive(err, what);
  }
}

/** A complaint about the input, with the archive's name in front; other errors stay as they are. */
function inArchive(err: unknown, what: string): unknown {
  return err instanceof InvalidArgumentError ? new InvalidArgumentError(`${what}: ${err.message}`, { cause: err }) : err;
}

const BLOB_NAME = new RegExp(`^${OCI_BLOBS_DIR}/([^/]+)/([^/]+)$`);

function blobDigest(name: string, place: string): Digest {
  const match = BLOB_NAME.exec(name);
  const [algorithm, hex] = [match?.[1], match?.[2]];
  if (algorithm !== DIGEST_ALGORITHM) {
    throw new NotSupportedError(`${place}: only ${DIGEST_ALGORITHM} blobs (${OCI_BLOBS_DIR}/${DIGEST_ALGORITHM}/<hex>) are supported`);
  }
  return parseDigest(`${DIGEST_ALGORITHM}:${hex ?? ''}`, place);
}

function cleanName(name: string): string {
  return path.posix.normalize(name).replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

function isDocument(name: string): boolean {
  const base = path.posix.basename(name);
  return name.endsWith('.json') || base === 'oci-layout' || base === 'repositories' || base === 'json' || base === 'VERSION';
}

async function readDocument(body: AsyncIterable<Buffer>, size: number, place: string): Promise<Buffer> {
  if (size > MAX_DOCUMENT_BYTES) throw new InvalidArgumentError(`${place}: ${size} bytes, over the ${MAX_DOCUMENT_BYTES}-byte limit for a JSON file`);
  const bytes = Buffer.alloc(size);
  let filled = 0;
  for await (const chunk of body) filled += chunk.copy(bytes, filled);
  return bytes;
}

/**
 * Stores one blob and, when its magic number says it is compressed, hashes its decompressed form
 * in the same pass (a branch of the stream), so a layer's DiffID is known without reading it again.
 */
async function ingestBlob(
  root: Root,
  lease: Lease,
  body: AsyncIterable<Buffer>,
  place: string,
  expected: Digest | undefined,
  size: number,
): Promise<ArchiveBlob> {
  // Leased before it exists when the name gives its digest (see metadata/leases.ts).
  if (expected !== undefined) lease.addBlob(expected);
  const { head, stream } = await peekHead(body, ZSTD_MAGIC.length);
  const compression = detectCompression(head);
  const ingest = async (source: AsyncIterable<Buffer>): Promise<BlobInfo> => {
    try {
      return await root.content.ingest(source, { size, ...(expected === undefined ? {} : { digest: expected }) });
    } catch (err) {
      throw err instanceof DigestMismatchError ? new DigestMismatchError(place, err.expected, err.actual) : err;
    }
  };
  if (compression === 'none') {
    const info = await ingest(stream);
    if (expected === undefined) holdBlob(root, lease, info.digest);
    return { ...info, compression, uncompressed: { digest: info.digest } };
  }
  const [info, uncompressed] = await teeInto(stream, ingest, async (branch) => {
    try {
      return { digest: await uncompressedDigest(branch, place) };
    } catch (failure) {
      // Not a reason to stop storing the blob: it may be no layer (a file that happens to start like gzip).
      return { failure };
    }
  });
  if (expected === undefined) holdBlob(root, lease, info.digest);
  return { ...info, compression, uncompressed };
}
