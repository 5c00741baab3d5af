import type { DatabaseSync } from 'node:sqlite';
import { buildCacheMigration } from './migrations/build-cache.ts';
import { containersMigration } from './migrations/containers.ts';
import { networksMigration } from './migrations/networks.ts';

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
  {
    description: 'snapshots (snapshots/metadata-snapshotter.ts) and driver layers being created',
    apply: (db) =>
      db.exec(`
        -- One key space for active snapshots, views and committed snapshots (containerd's model).
        -- driver_id is the driver's name for the layer: generated, never the key (keys may hold '/').
        -- A parent is always committed; the snapshotter checks that, the foreign key keeps a
        -- parent from being deleted under its children.
        CREATE TABLE snapshots (
          id INTEGER PRIMARY KEY,
          key TEXT UNIQUE NOT NULL,
          parent_id INTEGER REFERENCES snapshots(id),
          kind TEXT NOT NULL CHECK (kind IN ('active', 'view', 'committed')),
          driver_id TEXT UNIQUE NOT NULL,
          labels TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        );
        CREATE INDEX snapshots_parent ON snapshots(parent_id);
        -- A driver layer being made by a live process, before its snapshot row exists: gc spares it.
        -- The row of a dead process marks garbage (a crash between driver.create and the insert).
        CREATE TABLE snapshot_pending (
          driver_id TEXT PRIMARY KEY,
          pid INTEGER NOT NULL,
          created_at INTEGER NOT NULL
        );
      `),
  },
  {
    description: 'snapshots mounted on a user directory (layerctl snapshot mount; packages/layerctl/src/snapshot-mounts.ts)',
    apply: (db) =>
      db.exec(`
        -- What 'layerctl snapshot mount KEY TARGET' put up, so that 'snapshot rm KEY' can refuse while
        -- TARGET still shows the layer. No foreign key: a row whose target is no longer a mount
        -- point is stale (unmounted by hand, a reboot) and is dropped when found.
        CREATE TABLE snapshot_mounts (
          key TEXT NOT NULL,
          target TEXT NOT NULL,
          PRIMARY KEY (key, target)
        );
      `),
  },
  // Each later feature keeps its migration in a file of its own, so that features growing at the
  // same time never edit one list; the order here is the order of user_version.
  containersMigration,
  buildCacheMigration,
  networksMigration,
];

/** The user_version of a database that has every migration applied. */
export const SCHEMA_VERSION = MIGRATIONS.length;
