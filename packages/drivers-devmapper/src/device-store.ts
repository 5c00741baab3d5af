import { DatabaseSync } from 'node:sqlite';
import { FailedPreconditionError, NotFoundError } from '@layerctl/sys';
import { nextDeviceId } from './device-ids.ts';
import { checkTransition, isDeviceState, type DeviceState } from './device-state.ts';

/**
 * The driver's own record of its devices: one SQLite file, <root>/devicemapper/devices.db.
 *
 * Why SQLite and not a JSON file per device: the driver needs more than atomic documents. It
 * needs a lock that holds across processes (layerctl has no daemon: two commands may activate
 * the same device at once, and two loop devices on one image would corrupt it) and that a killed
 * process releases by itself; BEGIN IMMEDIATE is that lock, and the kernel drops it with the
 * process. Device ids must be unique and the pool's transaction id must move with the device
 * rows in one step; a transaction does both. The Driver gets no handle on metadata.db, and this
 * file is the driver's alone: the snapshotter's names stay in metadata.db, the devices here.
 */
export const DEVICE_DB = 'devices.db';
const BUSY_TIMEOUT_MS = 30_000;

export interface DeviceRow {
  /** The layer id the snapshotter gave. */
  id: string;
  /** 24-bit (device-ids.ts). */
  deviceId: number;
  parent: string | undefined;
  state: DeviceState;
  readonly: boolean;
  /** The pool transaction that made it. */
  transactionId: number;
  /** The process that last changed its state: a creating or suspended device whose owner is dead was interrupted. */
  ownerPid: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS pool (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS devices (
  id TEXT PRIMARY KEY,
  device_id INTEGER NOT NULL UNIQUE CHECK (device_id BETWEEN 1 AND 16777215),
  parent TEXT,
  state TEXT NOT NULL CHECK (state IN ('creating', 'active', 'suspended', 'removed', 'faulty')),
  readonly INTEGER NOT NULL CHECK (readonly IN (0, 1)),
  transaction_id INTEGER NOT NULL,
  owner_pid INTEGER NOT NULL,
  mount_count INTEGER NOT NULL DEFAULT 0 CHECK (mount_count >= 0)
) STRICT;
`;

/** pool keys */
const TRANSACTION_ID = 'transaction_id';
const LAST_DEVICE_ID = 'last_device_id';

export class DeviceStore {
  readonly file: string;
  readonly #db: DatabaseSync;

  constructor(file: string) {
    this.file = file;
    this.#db = new DatabaseSync(file, { timeout: BUSY_TIMEOUT_MS });
    try {
      this.#db.exec('PRAGMA journal_mode = WAL');
      this.#db.exec(SCHEMA);
    } catch (err) {
      this.#db.close();
      throw err;
    }
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  /** One write transaction, which is also the driver's cross-process lock; fn is synchronous. */
  locked<T>(fn: () => T): T {
    if (this.#db.isTransaction) return fn();
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.#db.exec('COMMIT');
      return result;
    } catch (err) {
      this.#db.exec('ROLLBACK');
      throw err;
    }
  }

  get(id: string): DeviceRow | undefined {
    const row = this.#db.prepare('SELECT * FROM devices WHERE id = ?').get(id);
    return row === undefined ? undefined : deviceRow(row, this.file);
  }

  mustGet(id: string): DeviceRow {
    const row = this.get(id);
    if (row === undefined) throw new NotFoundError(`devmapper: no device for layer ${id}`);
    return row;
  }

  all(): DeviceRow[] {
    return this.#db.prepare('SELECT * FROM devices ORDER BY device_id').all().map((row) => deviceRow(row, this.file));
  }

  children(id: string): string[] {
    return this.#db.prepare('SELECT id FROM devices WHERE parent = ? ORDER BY id').all(id).map((row) => text(row['id'], 'devices.id', this.file));
  }

  transactionId(): number {
    return Number(this.#pool(TRANSACTION_ID) ?? '0');
  }

  /**
   * Opens a pool transaction for a new device: the row says creating, holds the next
   * transaction id and a fresh 24-bit device id. finishCreate() closes it.
   */
  beginCreate(id: string, parent: string | undefined, readonly: boolean): DeviceRow {
    return this.locked(() => {
      const inUse = new Set(this.all().map((row) => row.deviceId));
      const deviceId = nextDeviceId(Number(this.#pool(LAST_DEVICE_ID) ?? '0'), inUse);
      const row: DeviceRow = { id, deviceId, parent, state: 'creating', readonly, transactionId: this.transactionId() + 1, ownerPid: process.pid };
      this.#db
        .prepare('INSERT INTO devices (id, device_id, parent, state, readonly, transaction_id, owner_pid) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(id, deviceId, parent ?? null, row.state, readonly ? 1 : 0, row.transactionId, row.ownerPid);
      this.#setPool(LAST_DEVICE_ID, String(deviceId));
      return row;
    });
  }

  /** The device is made: active, and the pool's transaction id moves to its transaction. */
  finishCreate(row: DeviceRow): void {
    this.locked(() => {
      this.setState(row.id, 'active');
      if (row.transactionId > this.transactionId()) this.#setPool(TRANSACTION_ID, String(row.transactionId));
    });
  }

  setState(id: string, state: DeviceState): void {
    this.locked(() => {
      const row = this.mustGet(id);
      if (row.state === state) return;
      checkTransition(id, row.state, state);
      this.#db.prepare('UPDATE devices SET state = ?, owner_pid = ? WHERE id = ?').run(state, process.pid, id);
    });
  }

  /**
   * The count of driver mounts of the device (mount() adds one, unmount() drops one), kept here
   * because layerctl has no daemon: one command mounts, the next unmounts. Callers hold the lock
   * and check it against the mount table, so a count a reboot left behind is not believed.
   */
  mountCount(id: string): number {
    const row = this.#db.prepare('SELECT mount_count FROM devices WHERE id = ?').get(id);
    return row === undefined ? 0 : integer(row['mount_count'], 'devices.mount_count', this.file);
  }

  setMountCount(id: string, count: number): void {
    this.locked(() => this.#db.prepare('UPDATE devices SET mount_count = ? WHERE id = ?').run(count, id));
  }

  delete(id: string): void {
    this.locked(() => this.#db.prepare('DELETE FROM devices WHERE id = ?').run(id));
  }

  /** A small setting of the pool (the base device's filesystem and size). */
  setting(key: string): string | undefined {
    return this.#pool(key);
  }

  setSetting(key: string, value: string): void {
    this.locked(() => this.#setPool(key, value));
  }

  #pool(key: string): string | undefined {
    const row = this.#db.prepare('SELECT value FROM pool WHERE key = ?').get(key);
    return row === undefined ? undefined : text(row['value'], `pool.${key}`, this.file);
  }

  #setPool(key: string, value: string): void {
    this.#db.prepare('INSERT INTO pool (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }
}

type SqlRow = Record<string, unknown>;

function deviceRow(row: SqlRow, file: string): DeviceRow {
  const state = text(row['state'], 'devices.state', file);
  if (!isDeviceState(state)) throw new FailedPreconditionError(`${file}: devices.state ${JSON.stringify(state)} is no device state`);
  const parent = row['parent'];
  return {
    id: text(row['id'], 'devices.id', file),
    deviceId: integer(row['device_id'], 'devices.device_id', file),
    parent: parent === null ? undefined : text(parent, 'devices.parent', file),
    state,
    readonly: integer(row['readonly'], 'devices.readonly', file) === 1,
    transactionId: integer(row['transaction_id'], 'devices.transaction_id', file),
    ownerPid: integer(row['owner_pid'], 'devices.owner_pid', file),
  };
}

function text(value: unknown, what: string, file: string): string {
  if (typeof value !== 'string') throw new FailedPreconditionError(`${file}: ${what} is not text`);
  return value;
}

function integer(value: unknown, what: string, file: string): number {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new FailedPreconditionError(`${file}: ${what} is not an integer`);
  return n;
}
