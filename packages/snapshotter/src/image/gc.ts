import fs from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';
import type { Digest } from '../content/digest.ts';
import { leasedBlobs } from '../metadata/leases.ts';
import type { Root } from '../root.ts';
import { readManifest } from './image-documents.ts';
import { ImageFacts } from './image-facts.ts';
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
  const reach = new ImageFacts(root, 'gc', async (digest) => manifestBlobs(digest, await readManifest(root.content, digest)));
  const sweep: Sweep = { startedMs, reach, candidates };
  for (;;) {
    await reach.readNew();
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
  /** The blobs each recorded image reaches, its manifest included. */
  reach: ImageFacts<Digest[]>;
  candidates: ReadonlySet<Digest> | undefined;
}

/** Deletes unreachable blobs if every recorded image's manifest was read; undefined when not (the caller reads and retries). */
function sweepIfCurrent(db: DatabaseSync, root: Root, sweep: Sweep): GarbageReport | undefined {
  const reached = sweep.reach.current(db);
  if (reached === undefined) return undefined;
  // Read in this transaction: a lease added after it comes after the deletions too, and holdBlob
  // catches that case. The leases of dead processes are deleted on the way.
  const keep = leasedBlobs(db);
  for (const blobs of reached) for (const blob of blobs) keep.add(blob);
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
