import fs from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';
import { FailedPreconditionError } from '@layerctl/sys';
import type { Digest } from '../content/digest.ts';
import { leasedBlobs } from '../metadata/leases.ts';
import type { Root } from '../root.ts';
import { readManifest } from './image-documents.ts';
import { ImageStore } from './image-store.ts';
import { manifestBlobs } from './manifest.ts';

export interface GarbageReport {
  removedBlobs: number;
  freedBytes: number;
  /** The blobs removed, in the order they were removed. */
  removed: Digest[];
}

/**
 * Removes every blob that no recorded image reaches (its manifest, config and layers) and no
 * live lease holds.
 *
 * Why this is safe against a concurrent import (metadata/leases.ts gives the importer's side):
 * - an importer leases each blob it stores and releases the lease only after the transaction
 *   that records the image, so a blob is always leased or referenced until it is garbage;
 * - blobs stored since this sweep began are spared by their ctime (ingest always renames),
 *   which covers an ingest whose lease is not written yet;
 * - the images and leases are read, and the blobs deleted, inside one write transaction, so no
 *   image or lease can be recorded in between;
 * - what remains is an ingest that found its blob already stored (old ctime) and leases it just
 *   after this sweep deleted it: holdBlob sees it gone and the import fails instead of recording
 *   an image with a hole.
 * Manifests are read (asynchronously) before the transaction; if the images changed meanwhile,
 * the new manifests are read and the sweep tries again.
 */
export async function collectGarbage(root: Root): Promise<GarbageReport> {
  return sweepBlobs(root, undefined);
}

/** The sweep itself; `candidates` limits it to some blobs (rmi sweeps only the blobs of what it removed). */
export async function sweepBlobs(root: Root, candidates: ReadonlySet<Digest> | undefined): Promise<GarbageReport> {
  const startedMs = Date.now() - CLOCK_SLACK_MS;
  const sweep: Sweep = { startedMs, reach: new Map(), candidates };
  for (;;) {
    await readReach(root, sweep.reach, new ImageStore(root.metadata).list().map((record) => record.manifestDigest));
    const report = root.metadata.write((db) => sweepIfCurrent(db, root, sweep));
    if (report !== undefined) return report;
  }
}

/**
 * File timestamps come from the kernel's coarse clock, which may lag Date.now() by a tick
 * (1-10 ms); a blob stored just after the sweep began must still count as new.
 */
const CLOCK_SLACK_MS = 50;

interface Sweep {
  /** Blobs changed at or after this time (ms since the epoch) are spared. */
  startedMs: number;
  /** The blobs each manifest reaches, itself included. */
  reach: Map<Digest, Digest[]>;
  candidates: ReadonlySet<Digest> | undefined;
}

/** Fills `reach` with the blobs each manifest reaches, for manifests not read yet. */
async function readReach(root: Root, reach: Map<Digest, Digest[]>, manifests: Digest[]): Promise<void> {
  for (const digest of manifests) {
    if (reach.has(digest)) continue;
    try {
      const manifest = await readManifest(root.content, digest);
      reach.set(digest, manifestBlobs(digest, manifest));
    } catch (err) {
      throw new FailedPreconditionError(`gc: the manifest ${digest} of a recorded image cannot be read, so what it references is unknown; remove that image first`, { cause: err });
    }
  }
}

/** Deletes unreachable blobs if every recorded image's manifest was read; undefined when not (the caller reads and retries). */
function sweepIfCurrent(db: DatabaseSync, root: Root, sweep: Sweep): GarbageReport | undefined {
  // Read in this transaction: a lease added after it comes after the deletions too, and holdBlob
  // catches that case. The leases of dead processes are deleted on the way.
  const keep = leasedBlobs(db);
  for (const record of ImageStore.all(db)) {
    const blobs = sweep.reach.get(record.manifestDigest);
    if (blobs === undefined) return undefined;
    for (const blob of blobs) keep.add(blob);
  }
  const report: GarbageReport = { removedBlobs: 0, freedBytes: 0, removed: [] };
  for (const digest of sweep.candidates ?? root.content.list()) {
    if (keep.has(digest)) continue;
    const stats = fs.statSync(root.content.path(digest), { throwIfNoEntry: false });
    if (stats === undefined || stats.ctimeMs >= sweep.startedMs) continue;
    const size = stats.size;
    root.content.delete(digest);
    report.removedBlobs++;
    report.freedBytes += size;
    report.removed.push(digest);
  }
  return report;
}
