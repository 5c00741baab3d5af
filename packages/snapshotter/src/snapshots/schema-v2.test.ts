import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import test from 'ava';
import { scratchDir } from '@layerctl/sys/testing';
import { MetadataStore } from '../metadata/metadata-store.ts';
import { MIGRATIONS } from '../metadata/schema.ts';
import { allSnapshots, insertSnapshot } from './snapshot-rows.ts';

/** sqlite.org/rescode.html#constraint_foreignkey */
const SQLITE_CONSTRAINT_FOREIGNKEY = 787;

test('migration 2 adds the snapshots to a version 1 database and keeps its images', (t) => {
  const file = path.join(scratchDir(t), 'metadata.db');
  const v1 = new DatabaseSync(file);
  MIGRATIONS[0]?.apply(v1);
  v1.exec("PRAGMA user_version = 1; INSERT INTO images (name, manifest_digest, config_digest, created_at) VALUES ('x:latest', 'm', 'c', 0)");
  v1.close();
  const meta = MetadataStore.open(file);
  t.teardown(() => meta.close());
  t.is(meta.read((db) => db.prepare('SELECT name FROM images').get()?.['name']), 'x:latest');
  t.deepEqual(meta.read(allSnapshots), []);
});

test('the schema keeps a parent from being deleted under its children, and kinds to the three', (t) => {
  const meta = MetadataStore.open(path.join(scratchDir(t), 'metadata.db'));
  t.teardown(() => meta.close());
  meta.write((db) => {
    insertSnapshot(db, { key: 'base', kind: 'committed', driverId: 'd1', parentId: undefined, labels: {}, now: 1 });
    const [base] = allSnapshots(db);
    insertSnapshot(db, { key: 'child', kind: 'active', driverId: 'd2', parentId: base?.id, labels: { a: 'b' }, now: 2 });
  });
  const error = t.throws(() => meta.write((db) => db.prepare("DELETE FROM snapshots WHERE key = 'base'").run()));
  t.like(error, { errcode: SQLITE_CONSTRAINT_FOREIGNKEY });
  t.throws(() => meta.write((db) => db.exec("UPDATE snapshots SET kind = 'frozen' WHERE key = 'child'")), { message: /CHECK constraint failed/ });
  t.throws(() => meta.write((db) => insertSnapshot(db, { key: 'again', kind: 'active', driverId: 'd1', parentId: undefined, labels: {}, now: 3 })), { message: /UNIQUE constraint failed: snapshots.driver_id/ });
  t.deepEqual(meta.read(allSnapshots).map((row) => [row.key, row.parentKey, row.labels]), [['base', undefined, {}], ['child', 'base', { a: 'b' }]]);
});
