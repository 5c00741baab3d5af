import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import type { Digest } from '../content/digest.ts';
import { openLease } from '../metadata/leases.ts';
import { deadPid } from '../testing/dead-pid.ts';
import { collectGarbage } from './gc.ts';
import { once } from './image-documents.ts';
import { inspectImage } from './inspect-image.ts';
import { saveImages } from './save-images.ts';
import { importTestImage, scratchRoot, type Scratch } from './test-images.ts';

/** gc spares blobs stored since it began, by ctime; test blobs must be older than its clock slack. */
const OLDER_THAN_SLACK_MS = 100;

async function stray(scratch: Scratch, text: string): Promise<Digest> {
  return (await scratch.root.content.ingest(once(Buffer.from(text)))).digest;
}

test('gc removes blobs no image references and keeps every blob of every image', async (t) => {
  const scratch = scratchRoot(t);
  await importTestImage(scratch, 'one');
  await importTestImage(scratch, 'two');
  const before = scratch.root.content.list();
  const garbage = [await stray(scratch, 'garbage one'), await stray(scratch, 'garbage two, longer')];
  await sleep(OLDER_THAN_SLACK_MS);
  const report = await collectGarbage(scratch.root);
  t.deepEqual(report.removed.sort(), [...garbage].sort());
  t.is(report.removedBlobs, 2);
  t.is(report.freedBytes, 'garbage one'.length + 'garbage two, longer'.length);
  t.deepEqual(scratch.root.content.list(), before);
  t.is((await inspectImage(scratch.root, 'one')).layers.length, 1);
  t.deepEqual((await collectGarbage(scratch.root)).removed, []);
});

test('gc keeps blobs a live lease holds, and removes them once it is released', async (t) => {
  const scratch = scratchRoot(t);
  const lease = openLease(scratch.root.metadata);
  const held = await stray(scratch, 'an import in flight');
  lease.addBlob(held);
  await sleep(OLDER_THAN_SLACK_MS);
  t.deepEqual((await collectGarbage(scratch.root)).removed, []);
  t.true(scratch.root.content.has(held));
  lease.release();
  t.deepEqual((await collectGarbage(scratch.root)).removed, [held]);
});

test('gc removes a blob that only the lease of a dead process holds', async (t) => {
  const scratch = scratchRoot(t);
  const orphaned = await stray(scratch, 'an import that was killed');
  scratch.root.metadata.write((db) => {
    db.prepare("INSERT INTO leases (id, pid, created_at) VALUES ('killed', ?, 0)").run(deadPid());
    db.prepare("INSERT INTO lease_blobs (lease_id, digest) VALUES ('killed', ?)").run(orphaned);
  });
  await sleep(OLDER_THAN_SLACK_MS);
  t.deepEqual((await collectGarbage(scratch.root)).removed, [orphaned]);
  t.is(scratch.root.metadata.read((db) => db.prepare('SELECT count(*) AS n FROM leases').get()?.['n']), 0, 'the dead lease is gone too');
});

test('gc spares a blob stored after it began, even unleased', async (t) => {
  const scratch = scratchRoot(t);
  const fresh = await stray(scratch, 'just stored');
  t.deepEqual((await collectGarbage(scratch.root)).removed, []);
  t.true(scratch.root.content.has(fresh));
});

test('the layers a recompressing save made are garbage once it is done; a dangling image is not', async (t) => {
  const scratch = scratchRoot(t);
  await importTestImage(scratch, 'app', 'first');
  await importTestImage(scratch, 'app', 'second');
  const stored = scratch.root.content.list();
  await saveImages(scratch.root, ['app'], path.join(scratch.work, 'out.tar'), { format: 'oci', compression: 'gzip' });
  await sleep(OLDER_THAN_SLACK_MS);
  const report = await collectGarbage(scratch.root);
  // The gzip layer and the manifest naming it.
  t.is(report.removedBlobs, 2);
  t.deepEqual(scratch.root.content.list(), stored);
});
