import type { DatabaseSync } from 'node:sqlite';
import { FailedPreconditionError } from '@layerctl/sys';
import { rowInteger, rowText, type Row } from '../metadata/row-values.ts';
import { processAlive } from '../process-alive.ts';
import type { SnapshotInfo, SnapshotKind } from './snapshotter-api.ts';

/**
 * The `snapshots` and `snapshot_pending` tables (metadata/schema.ts, migration 2), read and
 * written inside the caller's transaction. Rows are checked like any data from disk.
 */
export interface SnapshotRow {
  id: number;
  key: string;
  kind: SnapshotKind;
  driverId: string;
  parentId: number | undefined;
  parentKey: string | undefined;
  parentDriverId: string | undefined;
  labels: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

const TABLE = 'snapshots';

const SELECT_ROWS = `
  SELECT s.id, s.key, s.kind, s.driver_id, s.parent_id, p.key AS parent_key, p.driver_id AS parent_driver_id,
         s.labels, s.created_at, s.updated_at
  FROM snapshots s LEFT JOIN snapshots p ON p.id = s.parent_id`;

export function findSnapshot(db: DatabaseSync, key: string): SnapshotRow | undefined {
  const row = db.prepare(`${SELECT_ROWS} WHERE s.key = ?`).get(key);
  return row === undefined ? undefined : snapshotOfRow(row);
}

/** Every snapshot, ordered by key. */
export function allSnapshots(db: DatabaseSync): SnapshotRow[] {
  return db.prepare(`${SELECT_ROWS} ORDER BY s.key`).all().map(snapshotOfRow);
}

export function hasChildren(db: DatabaseSync, id: number): boolean {
  return db.prepare('SELECT 1 FROM snapshots WHERE parent_id = ? LIMIT 1').get(id) !== undefined;
}

export interface NewSnapshot {
  key: string;
  kind: SnapshotKind;
  driverId: string;
  parentId: number | undefined;
  labels: Record<string, string>;
  now: number;
}

export function insertSnapshot(db: DatabaseSync, row: NewSnapshot): void {
  db.prepare('INSERT INTO snapshots (key, parent_id, kind, driver_id, labels, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    row.key,
    row.parentId ?? null,
    row.kind,
    row.driverId,
    JSON.stringify(row.labels),
    row.now,
    row.now,
  );
}

export function deleteSnapshot(db: DatabaseSync, id: number): void {
  db.prepare('DELETE FROM snapshots WHERE id = ?').run(id);
}

/** Every driver id a snapshot row names. */
export function namedDriverIds(db: DatabaseSync): Set<string> {
  return new Set(db.prepare('SELECT driver_id FROM snapshots').all().map((row) => rowText(row, TABLE, 'driver_id')));
}

/** Records that this process is about to create driver layer `driverId` (see metadata-snapshotter.ts). */
export function markPending(db: DatabaseSync, driverId: string): void {
  db.prepare('INSERT INTO snapshot_pending (driver_id, pid, created_at) VALUES (?, ?, ?)').run(driverId, process.pid, Date.now());
}

export function clearPending(db: DatabaseSync, driverId: string): void {
  db.prepare('DELETE FROM snapshot_pending WHERE driver_id = ?').run(driverId);
}

/** Driver ids being created by live processes; the rows of dead processes are deleted on the way. */
export function livePendingDriverIds(db: DatabaseSync): Set<string> {
  const live = new Set<string>();
  for (const row of db.prepare('SELECT driver_id, pid FROM snapshot_pending').all()) {
    const driverId = rowText(row, 'snapshot_pending', 'driver_id');
    if (processAlive(rowInteger(row, 'snapshot_pending', 'pid'))) live.add(driverId);
    else clearPending(db, driverId);
  }
  return live;
}

export function infoOfSnapshot(row: SnapshotRow): SnapshotInfo {
  return {
    name: row.key,
    parent: row.parentKey,
    kind: row.kind,
    labels: { ...row.labels },
    created: new Date(row.createdAt),
    updated: new Date(row.updatedAt),
  };
}

function snapshotOfRow(row: Row): SnapshotRow {
  return {
    id: rowInteger(row, TABLE, 'id'),
    key: rowText(row, TABLE, 'key'),
    kind: kindOf(rowText(row, TABLE, 'kind')),
    driverId: rowText(row, TABLE, 'driver_id'),
    parentId: row['parent_id'] === null ? undefined : rowInteger(row, TABLE, 'parent_id'),
    parentKey: row['parent_key'] === null ? undefined : rowText(row, TABLE, 'parent_key'),
    parentDriverId: row['parent_driver_id'] === null ? undefined : rowText(row, TABLE, 'parent_driver_id'),
    labels: labelsOf(rowText(row, TABLE, 'labels')),
    createdAt: rowInteger(row, TABLE, 'created_at'),
    updatedAt: rowInteger(row, TABLE, 'updated_at'),
  };
}

function kindOf(value: string): SnapshotKind {
  if (value === 'active' || value === 'view' || value === 'committed') return value;
  throw damaged('kind', `the kind ${JSON.stringify(value)}`);
}

function labelsOf(text: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw damaged('labels', 'text that is not JSON', err);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw damaged('labels', 'JSON that is not an object');
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') throw damaged('labels', `a label ${JSON.stringify(key)} whose value is not a string`);
    labels[key] = value;
  }
  return labels;
}

function damaged(column: string, what: string, cause?: unknown): FailedPreconditionError {
  return new FailedPreconditionError(`metadata.db: ${TABLE}.${column} holds ${what}; run layerctl check`, { cause });
}
