import type { Migration } from '../schema.ts';

/**
 * Containers and named volumes (packages/layerctl/src/containers). Owned by the container
 * lifecycle; the columns are settled when `layerctl run` lands and never edited after.
 */
export const containersMigration: Migration = {
  description: 'containers and named volumes',
  apply: (db) =>
    db.exec(`
      CREATE TABLE containers (
        id TEXT PRIMARY KEY,
        name TEXT UNIQUE NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE volumes (
        name TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL
      );
    `),
};
