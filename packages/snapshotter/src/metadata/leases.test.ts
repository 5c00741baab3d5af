import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { FailedPreconditionError } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { sha256Digest } from '../content/digest.ts';
import { deadPid } from '../testing/dead-pid.ts';
import { leasedBlobs, openLease } from './leases.ts';
import { MetadataStore } from './metadata-store.ts';
import { rowText } from './row-values.ts';

function openMeta(t: ExecutionContext): MetadataStore {
  const meta = MetadataStore.open(path.join(scratchDir(t), 'metadata.db'));
  t.teardown(() => meta.close());
  return meta;
}

/** The pid of a process that has exited and been reaped: nothing runs under it now. */
function leaseIds(meta: MetadataStore): string[] {
  return meta.read((db) => db.prepare('SELECT id FROM leases ORDER BY id').all().map((row) => rowText(row, 'leases', 'id')));
}

const blobA = sha256Digest('a');
const blobB = sha256Digest('b');

test('a lease holds its blobs until released', (t) => {
  const meta = openMeta(t);
  const lease = openLease(meta);
  lease.addBlob(blobA);
  lease.addBlob(blobA);
  lease.addBlob(blobB);
  t.deepEqual(leasedBlobs(meta), new Set([blobA, blobB]));
  lease.release();
  t.deepEqual(leasedBlobs(meta), new Set());
  t.deepEqual(leaseIds(meta), []);
  t.notThrows(() => lease.release(), 'releasing twice is harmless');
  t.throws(() => lease.addBlob(blobA), { instanceOf: FailedPreconditionError, message: new RegExp(lease.id) });
});

test('a lease is recorded with the pid of its process', (t) => {
  const meta = openMeta(t);
  const lease = openLease(meta);
  const pid = meta.read((db) => db.prepare('SELECT pid FROM leases WHERE id = ?').get(lease.id)?.['pid']);
  t.is(pid, process.pid);
});

test('the lease of a dead process is ignored and deleted', (t) => {
  const meta = openMeta(t);
  const live = openLease(meta);
  live.addBlob(blobA);
  meta.write((db) => {
    db.prepare("INSERT INTO leases (id, pid, created_at) VALUES ('orphan', ?, 0)").run(deadPid());
    db.prepare("INSERT INTO lease_blobs (lease_id, digest) VALUES ('orphan', ?)").run(blobB);
  });
  t.deepEqual(leasedBlobs(meta), new Set([blobA]));
  t.deepEqual(leaseIds(meta), [live.id]);
  t.is(meta.read((db) => db.prepare('SELECT count(*) AS n FROM lease_blobs').get()?.['n']), 1, 'its blobs went with it');
});

test('leasedBlobs works inside a write transaction, and releaseIn hands blobs over in one', (t) => {
  const meta = openMeta(t);
  const lease = openLease(meta);
  lease.addBlob(blobA);
  meta.write((db) => {
    t.deepEqual(leasedBlobs(db), new Set([blobA]));
    lease.releaseIn(db);
    db.prepare("INSERT INTO images (name, manifest_digest, config_digest, created_at) VALUES ('x:latest', ?, ?, 0)").run(blobA, blobB);
  });
  t.deepEqual(leasedBlobs(meta), new Set());
});
