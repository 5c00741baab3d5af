import type { DatabaseSync } from 'node:sqlite';

/**
 * The metadata schema as an ordered list of migrations. Migration i (from 0) takes a database
 * from PRAGMA user_version i to i + 1; MetadataStore.open applies the missing ones in one write
 * transaction. Never edit a migration that has shipped: append a new one.
 */
export interface Migration {
  /** What the migration does, for errors and for people reading the list. */
  readonly description: string;
  readonly apply: (db: DatabaseSync) => void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    description: 'images, leases and settings',
    apply: (db) =>
      db.exec(`
        -- name is 'repo:tag' fully spelled (docker.io/library/busybox:latest), so lookups never normalize.
        CREATE TABLE images (
          name TEXT PRIMARY KEY,
          manifest_digest TEXT NOT NULL,
          config_digest TEXT NOT NULL,
          created_at INTEGER NOT NULL
        );
        -- A lease keeps blobs that a running command has stored but not yet named safe from gc.
        CREATE TABLE leases (
          id TEXT PRIMARY KEY,
          pid INTEGER NOT NULL,
          created_at INTEGER NOT NULL
        );
        CREATE TABLE lease_blobs (
          lease_id TEXT NOT NULL REFERENCES leases(id) ON DELETE CASCADE,
          digest TEXT NOT NULL,
          PRIMARY KEY (lease_id, digest)
        );
        CREATE TABLE settings (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL
        );
      `),
  },
];

/** The user_version of a database that has every migration applied. */
export const SCHEMA_VERSION = MIGRATIONS.length;
