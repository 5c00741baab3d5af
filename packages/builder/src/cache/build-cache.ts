import type { SQLOutputValue } from 'node:sqlite';
import { parseDigest, rowInteger, rowText, type Digest, type Root } from '@layerctl/snapshotter';

/**
 * The build cache in metadata.db (table build_cache; migrations/build-cache.ts says what each
 * column holds). It lives in the root, so every build in the root shares it and it survives
 * across runs. An entry is only a hint: a hit is used only while the blob it names is still in
 * the content store (lookup checks), so gc may delete blobs freely and the cache stays right.
 */
export interface CacheEntry {
  key: string;
  /** The step's history time (ISO 8601), reused on a hit so the image config comes out the same. */
  created: string;
  /** The layer the step made; undefined for a step that only changed the config. */
  layer?: CachedLayer;
}

export interface CachedLayer {
  diffId: Digest;
  digest: Digest;
  size: number;
  mediaType: string;
}

const TABLE = 'build_cache';

export class BuildCache {
  readonly #root: Root;

  constructor(root: Root) {
    this.#root = root;
  }

  /** The entry for `key`, or undefined when there is none or its blob is gone. */
  lookup(key: string): CacheEntry | undefined {
    const row = this.#root.metadata.read((db) => db.prepare(`SELECT * FROM ${TABLE} WHERE cache_key = ?`).get(key));
    if (row === undefined) return undefined;
    const entry = entryOfRow(row);
    if (entry.layer !== undefined && !this.#root.content.has(entry.layer.digest)) return undefined;
    return entry;
  }

  /** Records a step's result (replacing an older one under the same key) and marks it used now. */
  store(entry: CacheEntry): void {
    const now = Date.now();
    const layer = entry.layer;
    this.#root.metadata.write((db) =>
      db
        .prepare(
          `INSERT OR REPLACE INTO ${TABLE} (cache_key, created_at, created, diff_id, blob_digest, blob_size, media_type, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(entry.key, now, entry.created, layer?.diffId ?? null, layer?.digest ?? null, layer?.size ?? null, layer?.mediaType ?? null, now),
    );
  }

  /** Marks entries used now, so pruning by age keeps what builds still hit. */
  touch(keys: readonly string[]): void {
    if (keys.length === 0) return;
    const now = Date.now();
    this.#root.metadata.write((db) => {
      const update = db.prepare(`UPDATE ${TABLE} SET last_used_at = ? WHERE cache_key = ?`);
      for (const key of keys) update.run(now, key);
    });
  }
}

export interface PruneOptions {
  /** Also drop entries last used before this time (ms since the epoch); by default only dead entries go. */
  unusedSince?: number;
}

/**
 * Deletes cache entries whose layer blob is no longer stored (gc removed it), and with
 * `unusedSince` those not used since then. For `layerctl gc`; returns how many entries went.
 */
export function pruneBuildCache(root: Root, options: PruneOptions = {}): number {
  return root.metadata.write((db) => {
    const remove = db.prepare(`DELETE FROM ${TABLE} WHERE cache_key = ?`);
    let removed = 0;
    for (const row of db.prepare(`SELECT * FROM ${TABLE}`).all()) {
      const entry = entryOfRow(row);
      const old = options.unusedSince !== undefined && rowNumber(row, 'last_used_at') < options.unusedSince;
      if (old || (entry.layer !== undefined && !root.content.has(entry.layer.digest))) {
        remove.run(entry.key);
        removed++;
      }
    }
    return removed;
  });
}

function entryOfRow(row: Record<string, SQLOutputValue>): CacheEntry {
  const entry: CacheEntry = { key: rowString(row, 'cache_key'), created: rowString(row, 'created') };
  const diffId = row['diff_id'];
  if (diffId === null || diffId === undefined) return entry;
  entry.layer = {
    diffId: parseDigest(rowString(row, 'diff_id'), `metadata.db ${TABLE}.diff_id`),
    digest: parseDigest(rowString(row, 'blob_digest'), `metadata.db ${TABLE}.blob_digest`),
    size: rowNumber(row, 'blob_size'),
    mediaType: rowString(row, 'media_type'),
  };
  return entry;
}

function rowString(row: Record<string, SQLOutputValue>, column: string): string {
  return rowText(row, TABLE, column);
}

function rowNumber(row: Record<string, SQLOutputValue>, column: string): number {
  return rowInteger(row, TABLE, column);
}
