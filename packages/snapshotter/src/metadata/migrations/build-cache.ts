import type { Migration } from '../schema.ts';

/**
 * The build cache (packages/builder): a step's cache key to the layer and history entry it produced.
 * Owned by the builder; the columns are settled when `layerctl build` lands and never edited after.
 */
export const buildCacheMigration: Migration = {
  description: 'build cache',
  apply: (db) =>
    db.exec(`
      -- One row per build step ever run in this root, shared by every image built here.
      -- created is the step's history time (ISO 8601), reused on a hit so a cached rebuild
      -- writes the same config and so the same image id. A step that made a layer names it by
      -- diff_id (the tar), blob_digest, blob_size and media_type (as stored); a config-only step
      -- leaves them NULL. A row whose blob has gone (gc) is a miss, and pruneBuildCache drops it.
      CREATE TABLE build_cache (
        cache_key TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        created TEXT NOT NULL,
        diff_id TEXT,
        blob_digest TEXT,
        blob_size INTEGER,
        media_type TEXT,
        last_used_at INTEGER NOT NULL
      );
    `),
};
