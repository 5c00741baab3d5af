import { DatabaseSync, type PrepareOptions, type StatementSync } from 'node:sqlite';
import { FailedPreconditionError, LayerctlError } from '@layerctl/sys';
import { rowInteger, rowText } from './row-values.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.ts';

/**
 * How long a writer waits for another process's write transaction before giving up. Writes are
 * short (rows, never blob bytes), so 30 s only runs out when a process hangs inside one.
 */
export const BUSY_TIMEOUT_MS = 30_000;

/** SQLite's primary result code for "the database file is locked" (sqlite.org/rescode.html#busy). */
const SQLITE_BUSY = 5;

/**
 * The transactional store of names (metadata.db): one SQLite file in WAL mode.
 *
 * Rules:
 * - write() is one BEGIN IMMEDIATE transaction: it takes the write lock up front, so writers in
 *   any number of processes go one at a time (waiting up to BUSY_TIMEOUT_MS) and never fail
 *   half-way on a lock upgrade. It commits when fn returns and rolls back when fn throws.
 * - read() sees one consistent snapshot and is never blocked by a writer (WAL); it cannot write.
 * - fn runs synchronously: a transaction never spans an await, so it never waits on I/O while
 *   holding the lock. Stream blobs first, then record them in a write().
 */
export class MetadataStore {
  readonly file: string;
  readonly #db: DatabaseSync;

  private constructor(file: string, db: DatabaseSync) {
    this.file = file;
    this.#db = db;
  }

  static open(file: string): MetadataStore {
    const db = new DatabaseSync(file, { timeout: BUSY_TIMEOUT_MS, enableForeignKeyConstraints: true });
    reusePreparedStatements(db);
    try {
      useWal(db, file);
      const store = new MetadataStore(file, db);
      store.#migrate();
      return store;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  write<T>(fn: (db: DatabaseSync) => T): T {
    this.#begin('BEGIN IMMEDIATE');
    return this.#finish(fn);
  }

  read<T>(fn: (db: DatabaseSync) => T): T {
    this.#begin('BEGIN');
    this.#db.exec('PRAGMA query_only = ON');
    try {
      return this.#finish(fn);
    } finally {
      this.#db.exec('PRAGMA query_only = OFF');
    }
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  #begin(statement: string): void {
    if (this.#db.isTransaction) {
      throw new FailedPreconditionError(`metadata ${this.file}: a transaction is already open; transactions do not nest`);
    }
    try {
      this.#db.exec(statement);
    } catch (error) {
      if (sqliteCode(error) === SQLITE_BUSY) {
        throw new FailedPreconditionError(
          `metadata ${this.file}: another process held the write lock for more than ${BUSY_TIMEOUT_MS / 1000} s; is a layerctl command stuck?`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  #finish<T>(fn: (db: DatabaseSync) => T): T {
    try {
      const result = fn(this.#db);
      if (result instanceof Promise) {
        throw new LayerctlError(`metadata ${this.file}: a transaction function returned a promise; transactions must be synchronous`);
      }
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      // SQLite may already have rolled back on its own (SQLITE_FULL, SQLITE_IOERR).
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  /** Checks the version without the write lock first, so opening a current database never waits on a writer. */
  #migrate(): void {
    if (this.read(userVersion) === SCHEMA_VERSION) return;
    this.write((db) => {
      const version = userVersion(db);
      if (version > SCHEMA_VERSION) {
        throw new FailedPreconditionError(
          `metadata ${this.file}: schema version ${version} is newer than this layerctl knows (${SCHEMA_VERSION}); use a newer layerctl`,
        );
      }
      for (const migration of MIGRATIONS.slice(version)) migration.apply(db);
      // PRAGMA takes no bound parameters; SCHEMA_VERSION is our own integer.
      db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    });
  }
}

/** The most statements one connection keeps; our SQL is a few dozen fixed texts. */
const KEPT_STATEMENTS = 256;

/**
 * Makes db.prepare hand back the statement it made before for the same SQL text instead of
 * compiling it again: compiling costs several times what running one of ours does (a snapshot
 * lookup: about 20 us against 3), and a command runs a few dozen. Reuse is safe as the store is
 * used: run, get and all reset the statement and bind every parameter afresh (one left out is
 * NULL, not the last value), none of ours iterates, and closing the database finalizes them.
 * A statement asked for with options is made afresh.
 */
function reusePreparedStatements(db: DatabaseSync): void {
  const prepare = db.prepare.bind(db);
  const statements = new Map<string, StatementSync>();
  db.prepare = (sql: string, options?: PrepareOptions): StatementSync => {
    if (options !== undefined) return prepare(sql, options);
    let statement = statements.get(sql);
    if (statement === undefined) {
      if (statements.size >= KEPT_STATEMENTS) statements.clear();
      statement = prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
}

/**
 * WAL is a property of the file, so only the first opener switches it (the switch needs an
 * exclusive lock, which a concurrent opener would then wait for).
 */
function useWal(db: DatabaseSync, file: string): void {
  if (journalMode(db) === 'wal') return;
  db.exec('PRAGMA journal_mode = WAL');
  const mode = journalMode(db);
  if (mode !== 'wal') {
    throw new FailedPreconditionError(`metadata ${file}: SQLite refused WAL mode (journal_mode is ${mode}); is it on a network filesystem?`);
  }
}

function journalMode(db: DatabaseSync): string {
  const row = db.prepare('PRAGMA journal_mode').get();
  if (row === undefined) return 'unknown';
  return rowText(row, 'pragma', 'journal_mode').toLowerCase();
}

function userVersion(db: DatabaseSync): number {
  const row = db.prepare('PRAGMA user_version').get();
  return row === undefined ? 0 : rowInteger(row, 'pragma', 'user_version');
}

function sqliteCode(error: unknown): number | undefined {
  if (!(error instanceof Error) || !('errcode' in error) || typeof error.errcode !== 'number') return undefined;
  // Extended codes (SQLITE_BUSY_SNAPSHOT = 517) carry the primary code in their low byte.
  return error.errcode & 0xff;
}
