import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { FailedPreconditionError } from '@layerctl/sys';
import { type Digest, parseDigest } from '../content/digest.ts';
import { processAlive } from '../process-alive.ts';
import { MetadataStore } from './metadata-store.ts';
import { rowInteger, rowText } from './row-values.ts';

/**
 * A lease protects blobs that a running command has ingested but not yet named (an import
 * between storing its layers and writing the image row): gc must not delete them.
 *
 * A lease belongs to a process. When the process dies without releasing it, the lease stops
 * counting and leasedBlobs deletes it; nothing else needs cleaning.
 *
 * Rule for the holder: add a blob to the lease before it can be deleted, i.e. before its ingest
 * completes when the digest is known in advance (a manifest names it), else right after. For the
 * short window in between, gc also spares blobs whose ctime is newer than its own start:
 * ContentStore.ingest always renames, which sets the ctime.
 */
export class Lease {
  readonly id: string;
  readonly #meta: MetadataStore;
  #released = false;

  private constructor(meta: MetadataStore, id: string) {
    this.#meta = meta;
    this.id = id;
  }

  /** Use openLease; this is how it makes one. */
  static create(meta: MetadataStore): Lease {
    const lease = new Lease(meta, randomUUID());
    meta.write((db) => {
      db.prepare('INSERT INTO leases (id, pid, created_at) VALUES (?, ?, ?)').run(lease.id, process.pid, Date.now());
    });
    return lease;
  }

  addBlob(digest: Digest): void {
    if (this.#released) throw new FailedPreconditionError(`lease ${this.id} is released; it can no longer protect blob ${digest}`);
    this.#meta.write((db) => {
      db.prepare('INSERT OR IGNORE INTO lease_blobs (lease_id, digest) VALUES (?, ?)').run(this.id, digest);
    });
  }

  /** Ends the protection; releasing twice is harmless. */
  release(): void {
    if (this.#released) return;
    this.#meta.write((db) => this.releaseIn(db));
  }

  /**
   * Releases inside the caller's write transaction, so the blobs pass from the lease to the
   * names that transaction records (an image row) with no moment where neither holds them.
   */
  releaseIn(db: DatabaseSync): void {
    db.prepare('DELETE FROM leases WHERE id = ?').run(this.id);
    this.#released = true;
  }
}

export function openLease(meta: MetadataStore): Lease {
  return Lease.create(meta);
}

/**
 * Blobs held by leases of live processes; leases of dead processes are deleted on the way.
 * Given a DatabaseSync, it works inside the caller's write transaction (gc reads the leases and
 * deletes blobs in one transaction); given the store, it opens its own.
 */
export function leasedBlobs(source: MetadataStore | DatabaseSync): Set<Digest> {
  return source instanceof MetadataStore ? source.write(leasedBlobsIn) : leasedBlobsIn(source);
}

function leasedBlobsIn(db: DatabaseSync): Set<Digest> {
  const remove = db.prepare('DELETE FROM leases WHERE id = ?');
  for (const row of db.prepare('SELECT id, pid FROM leases').all()) {
    if (!processAlive(rowInteger(row, 'leases', 'pid'))) remove.run(rowText(row, 'leases', 'id'));
  }
  const blobs = new Set<Digest>();
  for (const row of db.prepare('SELECT DISTINCT digest FROM lease_blobs').all()) {
    blobs.add(parseDigest(rowText(row, 'lease_blobs', 'digest'), 'metadata.db lease_blobs.digest'));
  }
  return blobs;
}
