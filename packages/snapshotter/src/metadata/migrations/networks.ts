import type { Migration } from '../schema.ts';

/**
 * Container networks (packages/layerctl/src/networks): the networks of a root and the
 * endpoints (one per container attached) with the addresses handed out on them.
 */
export const networksMigration: Migration = {
  description: 'networks and their address allocations',
  apply: (db) =>
    db.exec(`
      -- A bridge network. 'bridge' is the default one, made on first use. The bridge interface and
      -- the nftables table exist only while the network has endpoints.
      -- next_offset: the host offset to try next, so an address freed is not handed out again
      -- before the others have been (a stale peer's ARP cache or connection never meets a newcomer).
      CREATE TABLE networks (
        name TEXT PRIMARY KEY,
        bridge TEXT UNIQUE NOT NULL,
        subnet TEXT NOT NULL,
        next_offset INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      );
      -- One container's attachment: its address and published ports (JSON). No foreign key to
      -- containers: a row whose container is gone is garbage that gc tears down.
      CREATE TABLE network_endpoints (
        container_id TEXT PRIMARY KEY,
        network TEXT NOT NULL REFERENCES networks(name),
        address TEXT NOT NULL,
        ports TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (network, address)
      );
    `),
};
