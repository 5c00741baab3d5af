import type { DatabaseSync, SQLOutputValue } from 'node:sqlite';
import { InvalidArgumentError, NotFoundError } from '@layerctl/sys';
import { isDigest, parseDigest, type Digest } from '../content/digest.ts';
import type { MetadataStore } from '../metadata/metadata-store.ts';
import { rowInteger, rowText } from '../metadata/row-values.ts';
import { parseReference, splitName } from './reference.ts';

/**
 * Names ↔ images, kept in the metadata store's `images` table: one row per name, pointing at a
 * manifest and its config. The image id is the config digest, so several names (and, after a
 * recompressed load, several manifests) can share one id.
 *
 * Docker's rules for names, which the commands keep:
 * - A name moved to another image (re-import, tag, load) leaves the old image "dangling": it stays,
 *   under a key no reference can spell (DANGLING_PREFIX + manifest digest), until rmi by id removes it.
 *   An image loaded without any name is dangling from the start.
 * - Giving a dangling image a name ends its dangling row.
 */
export interface ImageRecord {
  /** "repository:tag", or a dangling key (isDangling). */
  name: string;
  manifestDigest: Digest;
  /** The image id. */
  configDigest: Digest;
  /** When the name was recorded, in milliseconds since the epoch. */
  createdAt: number;
}

/** What a reference or id on the command line resolved to. */
export interface ResolvedImage {
  id: Digest;
  /** The row the reference named ("busybox:latest"), or the first row of the id when it was given by id. */
  record: ImageRecord;
  /** Whether the text was a name (true) or an image id or id prefix (false). */
  byName: boolean;
  /** Every row with this image id, dangling ones included. */
  records: ImageRecord[];
}

/** '<' cannot appear in a reference, so a dangling key never collides with a name. */
export const DANGLING_PREFIX = '<none>@';

export function isDangling(name: string): boolean {
  return name.startsWith(DANGLING_PREFIX);
}

/** A user-facing image id may be written with or without "sha256:", in full or as a unique prefix. */
const ID_PREFIX = /^(?:sha256:)?([0-9a-f]{1,64})$/;

export class ImageStore {
  readonly #metadata: MetadataStore;

  constructor(metadata: MetadataStore) {
    this.#metadata = metadata;
  }

  list(): ImageRecord[] {
    return this.#metadata.read((db) => selectRecords(db, 'SELECT * FROM images ORDER BY name'));
  }

  get(name: string): ImageRecord | undefined {
    return this.#metadata.read((db) => selectRecords(db, 'SELECT * FROM images WHERE name = ?', name)[0]);
  }

  /**
   * Finds an image as Docker's inspect, rmi and tag do: first as a name ("busybox" means
   * "busybox:latest"; "name@sha256:…" a manifest of that repository), then as an image id or a
   * unique prefix of one. Throws NotFoundError, or InvalidArgumentError for an ambiguous prefix.
   */
  resolve(text: string): ResolvedImage {
    return this.#metadata.read((db) => resolveIn(db, text));
  }

  /** Points `name` at an image inside the caller's write transaction; see the class comment for what happens to the image it pointed at. */
  static record(db: DatabaseSync, record: ImageRecord): void {
    const previous = selectRecords(db, 'SELECT * FROM images WHERE name = ?', record.name)[0];
    if (previous?.manifestDigest === record.manifestDigest && previous.configDigest === record.configDigest) return;
    db.prepare('INSERT OR REPLACE INTO images (name, manifest_digest, config_digest, created_at) VALUES (?, ?, ?, ?)').run(
      record.name,
      record.manifestDigest,
      record.configDigest,
      record.createdAt,
    );
    if (!isDangling(record.name)) db.prepare('DELETE FROM images WHERE name = ?').run(DANGLING_PREFIX + record.manifestDigest);
    if (previous !== undefined && !isDangling(previous.name) && !hasManifest(db, previous.manifestDigest)) {
      db.prepare('INSERT INTO images (name, manifest_digest, config_digest, created_at) VALUES (?, ?, ?, ?)').run(
        DANGLING_PREFIX + previous.manifestDigest,
        previous.manifestDigest,
        previous.configDigest,
        previous.createdAt,
      );
    }
  }

  /** Records an image that has no name, unless a name already keeps it. */
  static recordUnnamed(db: DatabaseSync, manifestDigest: Digest, configDigest: Digest, createdAt: number): void {
    if (hasManifest(db, manifestDigest)) return;
    ImageStore.record(db, { name: DANGLING_PREFIX + manifestDigest, manifestDigest, configDigest, createdAt });
  }

  /** Deletes one row inside the caller's write transaction. */
  static remove(db: DatabaseSync, name: string): void {
    db.prepare('DELETE FROM images WHERE name = ?').run(name);
  }

  /** Every row, inside the caller's transaction (gc reads them under its write lock). */
  static all(db: DatabaseSync): ImageRecord[] {
    return selectRecords(db, 'SELECT * FROM images');
  }

  static resolveIn(db: DatabaseSync, text: string): ResolvedImage {
    return resolveIn(db, text);
  }
}

function resolveIn(db: DatabaseSync, text: string): ResolvedImage {
  const named = findByName(db, text);
  if (named !== undefined) return { id: named.configDigest, record: named, byName: true, records: byId(db, named.configDigest) };
  const { id, first } = findId(db, text);
  return { id, record: first, byName: false, records: byId(db, id) };
}

function findByName(db: DatabaseSync, text: string): ImageRecord | undefined {
  if (isDigest(text)) return undefined;
  let ref;
  try {
    ref = parseReference(text);
  } catch (err) {
    // Not a name; it may still be an id prefix, and if it is neither, findId says so.
    if (err instanceof InvalidArgumentError && ID_PREFIX.test(text)) return undefined;
    throw err;
  }
  if (ref.digest === undefined) return selectRecords(db, 'SELECT * FROM images WHERE name = ?', `${ref.repository}:${ref.tag}`)[0];
  const sameRepository = selectRecords(db, 'SELECT * FROM images WHERE manifest_digest = ?', ref.digest).filter(
    (record) => !isDangling(record.name) && splitName(record.name).repository === ref.repository,
  );
  if (sameRepository[0] === undefined) throw new NotFoundError(`image ${text}: not found`);
  return sameRepository[0];
}

function findId(db: DatabaseSync, text: string): { id: Digest; first: ImageRecord } {
  const match = ID_PREFIX.exec(text);
  if (match?.[1] === undefined) throw new NotFoundError(`image ${text}: not found`);
  const prefix = `sha256:${match[1]}`;
  const records = selectRecords(db, 'SELECT * FROM images WHERE substr(config_digest, 1, ?) = ? ORDER BY name', prefix.length, prefix);
  const ids = new Set(records.map((record) => record.configDigest));
  if (ids.size > 1) throw new InvalidArgumentError(`image id prefix ${text} is ambiguous: it starts ${ids.size} image ids; give more digits`);
  const [first] = records;
  if (first === undefined) throw new NotFoundError(`image ${text}: not found`);
  return { id: first.configDigest, first };
}

function byId(db: DatabaseSync, id: Digest): ImageRecord[] {
  return selectRecords(db, 'SELECT * FROM images WHERE config_digest = ? ORDER BY name', id);
}

function hasManifest(db: DatabaseSync, manifestDigest: Digest): boolean {
  return db.prepare('SELECT 1 FROM images WHERE manifest_digest = ? LIMIT 1').get(manifestDigest) !== undefined;
}

function selectRecords(db: DatabaseSync, sql: string, ...params: (string | number)[]): ImageRecord[] {
  return db.prepare(sql).all(...params).map(recordOfRow);
}

/** Rows are checked like any input: a damaged database fails here, naming the table and column. */
function recordOfRow(row: Record<string, SQLOutputValue>): ImageRecord {
  return {
    name: rowText(row, TABLE, 'name'),
    manifestDigest: parseDigest(rowText(row, TABLE, 'manifest_digest'), 'metadata.db images.manifest_digest'),
    configDigest: parseDigest(rowText(row, TABLE, 'config_digest'), 'metadata.db images.config_digest'),
    createdAt: rowInteger(row, TABLE, 'created_at'),
  };
}

const TABLE = 'images';
