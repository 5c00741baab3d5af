import type { Migration } from '../schema.ts';

/**
 * Container networks (packages/layerctl/src/networks): user-defined networks and the addresses
 * handed out on them. Owned by networking; the columns are settled when it lands.
 */
export const networksMigration: Migration = {
  description: 'networks and their address allocations',
  apply: (db) =>
    db.exec(`
      CREATE TABLE networks (
        name TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL
      );
    `),
};
