import type { Migration } from '../schema.ts';

/**
 * The build cache (packages/builder): a step's cache key to the layer and config it produced.
 * Owned by the builder; the columns are settled when `layerctl build` lands and never edited after.
 */
export const buildCacheMigration: Migration = {
  description: 'build cache',
  apply: (db) =>
    db.exec(`
      CREATE TABLE build_cache (
        cache_key TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL
      );
    `),
};
