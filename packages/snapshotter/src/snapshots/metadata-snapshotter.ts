/**
 * The Snapshotter on any Driver: names, parents and labels live in metadata.db (table
 * `snapshots`), layers in the driver under generated ids (never the user's key, which may hold '/').
 *
 * Crash safety. Metadata is the only source of truth for names, and every operation orders its
 * driver side so that a crash at any point leaves at worst a driver layer no row names, which
 * `layerctl gc` (garbage.ts) removes; never a row naming a layer the driver lacks:
 * - prepare, view: (1) a `snapshot_pending` row with the new driver id and our pid, written in
 *   the transaction that checks the key and the parent, (2) driver.create, (3) one transaction
 *   inserting the snapshot row and dropping the pending row.
 *   A crash before (3) leaves a layer that only a pending row of a dead process names: garbage.
 *   The pending row is what keeps a concurrent gc from removing a layer between (2) and (3).
 * - commit: one transaction that renames the row to `name` and makes it committed. The layer
 *   keeps its driver id and is not touched: the Driver contract has no way to make a layer
 *   read-only after create, and a committed snapshot has no mounts, so nothing writes to it.
 * - remove: one transaction deletes the row (after the checks), then driver.remove. A crash
 *   between leaves a layer no row names: garbage.
 * - update: one transaction; no driver side.
 * The checks run in the transaction that makes the change, so two processes racing on one key
 * see one of them win and the other get the typed error.
 */
import { randomBytes } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import type { Readable } from 'node:stream';
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, LayerctlError, NotFoundError } from '@layerctl/sys';
import type { Driver } from '../driver.ts';
import { errorMessage } from '../error-message.ts';
import type { MetadataStore } from '../metadata/metadata-store.ts';
import type { Mount } from '../mount/mount.ts';
import type { Root } from '../root.ts';
import { parseSnapshotFilters } from './filters.ts';
import { checkLabels } from './snapshot-labels.ts';
import {
  clearPending,
  deleteSnapshot,
  findSnapshot,
  hasChildren,
  infoOfSnapshot,
  insertSnapshot,
  markPending,
  allSnapshots,
  type SnapshotRow,
} from './snapshot-rows.ts';
import type { SnapshotFilter, SnapshotInfo, SnapshotKind, SnapshotOptions, SnapshotUsage, Snapshotter } from './snapshotter-api.ts';

/** Bytes of randomness in a driver id; 64 hex digits, as Docker's layer ids. */
const DRIVER_ID_BYTES = 32;

/** The fields of SnapshotInfo that update() may not change. */
const FIXED_FIELDS = ['parent', 'kind', 'created', 'updated'] as const;

const LABELS_FIELD = 'labels';

/** Opens the snapshotter of a root on `driver`, which it initializes now and closes in close(). */
export async function openSnapshotter(root: Root, driver: Driver): Promise<MetadataSnapshotter> {
  await driver.init();
  return new MetadataSnapshotter(root.metadata, driver);
}

export class MetadataSnapshotter implements Snapshotter {
  readonly driver: Driver;
  readonly #metadata: MetadataStore;
  #closed = false;

  constructor(metadata: MetadataStore, driver: Driver) {
    this.#metadata = metadata;
    this.driver = driver;
  }

  async prepare(key: string, parent?: string, opts: SnapshotOptions = {}): Promise<Mount[]> {
    return this.#create('active', key, parent, opts);
  }

  async view(key: string, parent: string, opts: SnapshotOptions = {}): Promise<Mount[]> {
    return this.#create('view', key, parent, opts);
  }

  async commit(name: string, key: string, opts: SnapshotOptions = {}): Promise<void> {
    checkKey(name);
    const labels = checkLabels(opts.labels, `snapshot ${name}`);
    this.#metadata.write((db) => {
      const row = mustFind(db, key);
      if (row.kind !== 'active') throw new FailedPreconditionError(`snapshot ${key} is ${articled(row.kind)}; only an active snapshot can be committed`);
      if (findSnapshot(db, name) !== undefined) throw new AlreadyExistsError(`snapshot ${name} already exists; commit ${key} under another name`);
      const now = Date.now();
      db.prepare("UPDATE snapshots SET key = ?, kind = 'committed', labels = ?, created_at = ?, updated_at = ? WHERE id = ?").run(
        name,
        JSON.stringify(labels),
        now,
        now,
        row.id,
      );
    });
  }

  async remove(key: string): Promise<void> {
    const row = this.#metadata.write((db) => deleteChecked(db, key));
    await this.#removeLayers([row]);
  }

  stat(key: string): SnapshotInfo {
    return infoOfSnapshot(this.#metadata.read((db) => mustFind(db, key)));
  }

  update(info: Pick<SnapshotInfo, 'name' | 'labels'> & Partial<SnapshotInfo>, fieldPaths: string[] = []): SnapshotInfo {
    const what = `snapshot ${info.name}`;
    const given = checkLabels(info.labels, what);
    return this.#metadata.write((db) => {
      const row = mustFind(db, info.name);
      checkFixedFields(row, info);
      const labels = checkLabels(updatedLabels(row.labels, given, fieldPaths, what), what);
      const now = Date.now();
      db.prepare('UPDATE snapshots SET labels = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(labels), now, row.id);
      return infoOfSnapshot({ ...row, labels, updatedAt: now });
    });
  }

  /** Bytes and inodes of this snapshot alone; a view holds nothing of its own. */
  async usage(key: string): Promise<SnapshotUsage> {
    const row = this.#metadata.read((db) => mustFind(db, key));
    if (row.kind === 'view') return { size: 0, inodes: 0 };
    return this.driver.usage(row.driverId);
  }

  mounts(key: string): Mount[] {
    const row = this.#metadata.read((db) => mustFind(db, key));
    if (row.kind === 'committed') throw new FailedPreconditionError(`snapshot ${key} is committed and has no mounts; view or prepare on it`);
    return this.driver.mounts(row.driverId);
  }

  walk(...filters: SnapshotFilter[]): SnapshotInfo[] {
    const matches = parseSnapshotFilters(filters);
    return this.#metadata.read(allSnapshots).map(infoOfSnapshot).filter(matches);
  }

  /** Closes the driver; closing again does nothing. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.driver.close();
  }

  /**
   * Applies an OCI changeset tar to the fresh active snapshot `key` through the driver's own
   * applyDiff (the layer store's import path: no mount, the driver's whiteout form). Returns the
   * bytes of content written.
   */
  async applyDiff(key: string, tar: AsyncIterable<Buffer>): Promise<number> {
    const row = this.#metadata.read((db) => mustFind(db, key));
    if (row.kind !== 'active') throw new FailedPreconditionError(`snapshot ${key} is ${articled(row.kind)}; a layer can only be applied to an active snapshot`);
    return this.driver.applyDiff(row.driverId, row.parentDriverId, tar);
  }

  /**
   * The changes of active snapshot `key` against its parent, as an OCI changeset tar from the
   * driver's own diff (the builder's commit path: diff once, store the blob, commit).
   */
  diff(key: string): Readable {
    const row = this.#metadata.read((db) => mustFind(db, key));
    if (row.kind !== 'active') throw new FailedPreconditionError(`snapshot ${key} is ${articled(row.kind)}; only an active snapshot has changes to diff`);
    return this.driver.diff(row.driverId, row.parentDriverId);
  }

  /**
   * Removes, in one transaction, the snapshots `choose` names (children before parents), then
   * their driver layers in the same order. `choose` runs inside the write transaction, so what it
   * reads cannot change before the rows go. Returns the keys removed, or undefined (and removes
   * nothing) when `choose` returns undefined.
   */
  async removeChosen(choose: (db: DatabaseSync) => string[] | undefined): Promise<string[] | undefined> {
    const rows = this.#metadata.write((db) => choose(db)?.map((key) => deleteChecked(db, key)));
    if (rows === undefined) return undefined;
    await this.#removeLayers(rows);
    return rows.map((row) => row.key);
  }

  async #create(kind: SnapshotKind, key: string, parentKey: string | undefined, opts: SnapshotOptions): Promise<Mount[]> {
    checkKey(key);
    const labels = checkLabels(opts.labels, `snapshot ${key}`);
    const parent = parentKey === '' ? undefined : parentKey;
    const driverId = randomBytes(DRIVER_ID_BYTES).toString('hex');
    // Checked before the driver does any work (in the transaction that records the pending layer),
    // and again in the transaction that inserts the row.
    const parentRow = this.#metadata.write((db) => {
      const checked = checkNew(db, key, parent);
      markPending(db, driverId);
      return checked;
    });
    try {
      await this.driver.create(driverId, parentRow?.driverId, { readonly: kind === 'view' });
      this.#metadata.write((db) => {
        const parentNow = checkNew(db, key, parent);
        insertSnapshot(db, { key, kind, driverId, parentId: parentNow?.id, labels, now: Date.now() });
        clearPending(db, driverId);
      });
    } catch (err) {
      await this.#abandon(driverId, err);
      throw err;
    }
    return this.driver.mounts(driverId);
  }

  /** Undoes a create whose row was never inserted; if the driver cannot, gc will (the pending row stays). */
  async #abandon(driverId: string, cause: unknown): Promise<void> {
    try {
      await this.driver.remove(driverId);
    } catch (err) {
      throw new LayerctlError(`${errorMessage(cause)}; removing its driver layer ${driverId} failed too (${errorMessage(err)}); layerctl gc removes it`, { cause });
    }
    this.#metadata.write((db) => clearPending(db, driverId));
  }

  async #removeLayers(rows: SnapshotRow[]): Promise<void> {
    for (const row of rows) {
      try {
        await this.driver.remove(row.driverId);
      } catch (err) {
        throw new LayerctlError(
          `snapshot ${row.key} is removed, but its driver layer ${row.driverId} could not be (${errorMessage(err)}); layerctl gc removes it`,
          { cause: err },
        );
      }
    }
  }
}

function checkKey(key: string): void {
  if (typeof key !== 'string' || key === '') throw new InvalidArgumentError('a snapshot key must be a non-empty string');
}

/** The checks of prepare and view: a free key and, if given, a committed parent. Returns the parent's row. */
function checkNew(db: DatabaseSync, key: string, parent: string | undefined): SnapshotRow | undefined {
  if (findSnapshot(db, key) !== undefined) throw new AlreadyExistsError(`snapshot ${key} already exists`);
  if (parent === undefined) return undefined;
  const row = findSnapshot(db, parent);
  if (row === undefined) throw new NotFoundError(`parent snapshot ${parent} of ${key}: not found`);
  if (row.kind !== 'committed') {
    throw new FailedPreconditionError(`parent snapshot ${parent} of ${key} is ${articled(row.kind)}; only a committed snapshot can be a parent`);
  }
  return row;
}

function mustFind(db: DatabaseSync, key: string): SnapshotRow {
  const row = findSnapshot(db, key);
  if (row === undefined) throw new NotFoundError(`snapshot ${key}: not found`);
  return row;
}

function deleteChecked(db: DatabaseSync, key: string): SnapshotRow {
  const row = mustFind(db, key);
  if (hasChildren(db, row.id)) throw new FailedPreconditionError(`snapshot ${key} has children; remove them first`);
  deleteSnapshot(db, row.id);
  return row;
}

/** Refuses an update that would change anything but labels; a field left undefined is not given. */
function checkFixedFields(row: SnapshotRow, info: Partial<SnapshotInfo>): void {
  const current = infoOfSnapshot(row);
  for (const field of FIXED_FIELDS) {
    const wanted = info[field];
    if (wanted === undefined) continue;
    const now = current[field];
    const same = wanted instanceof Date && now instanceof Date ? wanted.getTime() === now.getTime() : wanted === now;
    if (!same) throw new InvalidArgumentError(`snapshot ${row.key}: ${field} cannot be updated; only labels can`);
  }
}

/** containerd's field paths: none or 'labels' replaces every label, 'labels.k' sets or deletes one. */
function updatedLabels(current: Record<string, string>, given: Record<string, string>, fieldPaths: string[], what: string): Record<string, string> {
  if (fieldPaths.length === 0) return given;
  let labels = { ...current };
  for (const fieldPath of fieldPaths) {
    if (fieldPath === LABELS_FIELD) {
      labels = { ...given };
    } else if (fieldPath.startsWith(`${LABELS_FIELD}.`) && fieldPath.length > LABELS_FIELD.length + 1) {
      const label = fieldPath.slice(LABELS_FIELD.length + 1);
      const value = given[label];
      if (value === undefined) delete labels[label];
      else labels[label] = value;
    } else {
      throw new InvalidArgumentError(`${what}: field ${JSON.stringify(fieldPath)} cannot be updated; only labels can`);
    }
  }
  return labels;
}

function articled(kind: SnapshotKind): string {
  return kind === 'active' ? 'active' : `a ${kind} snapshot`;
}
