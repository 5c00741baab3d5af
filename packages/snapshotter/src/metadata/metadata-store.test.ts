import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { DatabaseSync } from 'node:sqlite';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { FailedPreconditionError, LayerctlError } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { MetadataStore } from './metadata-store.ts';
import { rowInteger, rowText } from './row-values.ts';
import { SCHEMA_VERSION } from './schema.ts';

/** sqlite.org/rescode.html#constraint_foreignkey */
const SQLITE_CONSTRAINT_FOREIGNKEY = 787;
/** sqlite.org/rescode.html#busy */
const SQLITE_BUSY = 5;

function openMeta(t: ExecutionContext, file = path.join(scratchDir(t), 'metadata.db')): MetadataStore {
  const meta = MetadataStore.open(file);
  t.teardown(() => meta.close());
  return meta;
}

function pragma(meta: MetadataStore, name: string): unknown {
  return meta.read((db) => db.prepare(`PRAGMA ${name}`).get()?.[name]);
}

function settingsCount(meta: MetadataStore): number {
  return meta.read((db) => rowInteger(db.prepare('SELECT count(*) AS n FROM settings').get() ?? {}, 'settings', 'n'));
}

test('open creates the version 1 tables and records the schema version', (t) => {
  const meta = openMeta(t);
  t.is(pragma(meta, 'user_version'), SCHEMA_VERSION);
  const tables = meta.read((db) => db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((r) => rowText(r, 'sqlite_master', 'name')));
  for (const table of ['images', 'lease_blobs', 'leases', 'settings']) t.true(tables.includes(table), table);
});

test('migrations run once: reopening keeps the data and does not run them again', (t) => {
  const file = path.join(scratchDir(t), 'metadata.db');
  const first = MetadataStore.open(file);
  first.write((db) => db.prepare("INSERT INTO settings (key, value) VALUES ('driver', 'overlay2')").run());
  first.close();
  // Migration 1 is plain CREATE TABLE: running it again would throw "table images already exists".
  const second = openMeta(t, file);
  t.is(pragma(second, 'user_version'), SCHEMA_VERSION);
  t.is(second.read((db) => db.prepare('SELECT value FROM settings').get()?.['value']), 'overlay2');
});

test('a database from a newer layerctl is refused', (t) => {
  const file = path.join(scratchDir(t), 'metadata.db');
  const meta = MetadataStore.open(file);
  meta.write((db) => db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 5}`));
  meta.close();
  t.throws(() => MetadataStore.open(file), { instanceOf: FailedPreconditionError, message: /newer than this layerctl/ });
});

test('the database is in WAL mode with foreign keys enforced', (t) => {
  const dir = scratchDir(t);
  const meta = openMeta(t, path.join(dir, 'metadata.db'));
  t.is(pragma(meta, 'journal_mode'), 'wal');
  t.is(pragma(meta, 'foreign_keys'), 1);
  meta.write((db) => db.prepare("INSERT INTO settings (key, value) VALUES ('a', 'b')").run());
  t.true(fs.existsSync(path.join(dir, 'metadata.db-wal')));
  const error = t.throws(() => meta.write((db) => db.prepare("INSERT INTO lease_blobs (lease_id, digest) VALUES ('nobody', 'sha256:x')").run()));
  t.like(error, { errcode: SQLITE_CONSTRAINT_FOREIGNKEY });
});

test('write rolls back when its function throws', (t) => {
  const meta = openMeta(t);
  t.throws(
    () =>
      meta.write((db) => {
        db.prepare("INSERT INTO settings (key, value) VALUES ('half', 'done')").run();
        throw new FailedPreconditionError('changed my mind');
      }),
    { message: 'changed my mind' },
  );
  t.is(settingsCount(meta), 0);
  meta.write((db) => db.prepare("INSERT INTO settings (key, value) VALUES ('next', 'ok')").run());
  t.is(settingsCount(meta), 1);
});

test('read cannot write', (t) => {
  const meta = openMeta(t);
  t.throws(() => meta.read((db) => db.prepare("INSERT INTO settings (key, value) VALUES ('sneaky', 'write')").run()));
  t.is(settingsCount(meta), 0);
  meta.write((db) => db.prepare("INSERT INTO settings (key, value) VALUES ('after', 'read')").run());
  t.is(settingsCount(meta), 1);
});

test('transactions are synchronous and do not nest', (t) => {
  const meta = openMeta(t);
  t.throws(() => meta.write(async () => 1), { instanceOf: LayerctlError, message: /must be synchronous/ });
  t.throws(() => meta.write(() => meta.read(() => 1)), { instanceOf: FailedPreconditionError, message: /do not nest/ });
  t.is(meta.write(() => 7), 7);
});

test('row values of the wrong type are refused, naming table and column', (t) => {
  t.throws(() => rowText({ name: 5 }, 'images', 'name'), { instanceOf: FailedPreconditionError, message: /images\.name holds number/ });
  t.throws(() => rowInteger({ pid: '12' }, 'leases', 'pid'), { instanceOf: FailedPreconditionError, message: /leases\.pid holds string/ });
  t.throws(() => rowInteger({}, 'leases', 'pid'), { instanceOf: FailedPreconditionError, message: /leases\.pid holds undefined/ });
  t.is(rowText({ name: 'x' }, 'images', 'name'), 'x');
});

// Scripts for other processes, on the same file. The holder takes the write lock, inserts a row,
// says "locked" and keeps the transaction open until its stdin gets a byte (or closes), so the
// parent decides when it commits and no step depends on how fast this machine is.
const HOLD_WRITE_LOCK = `
  const [storeUrl, file] = process.argv.slice(1);
  const { readSync } = await import('node:fs');
  const { MetadataStore } = await import(storeUrl);
  const meta = MetadataStore.open(file);
  meta.write((db) => {
    db.prepare("INSERT INTO settings (key, value) VALUES ('held', 'by the child')").run();
    process.stdout.write('locked\\n');
    readSync(0, Buffer.alloc(1));
  });
  meta.close();
`;

// The second writer says "writing" just before it asks for the write lock.
const WRITE_ONCE = `
  const [storeUrl, file] = process.argv.slice(1);
  const { MetadataStore } = await import(storeUrl);
  const meta = MetadataStore.open(file);
  process.stdout.write('writing\\n');
  meta.write((db) => db.prepare("INSERT INTO settings (key, value) VALUES ('second', 'writer')").run());
  meta.close();
`;

interface StoreProcess {
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Tells a HOLD_WRITE_LOCK process to commit; resolves with its exit code. */
  release(): Promise<number | null>;
}

/** Runs `script` on `file` in another node process and returns once it has printed `ready`. */
async function storeProcess(t: ExecutionContext, script: string, file: string, ready: string): Promise<StoreProcess> {
  const storeUrl = pathToFileURL(path.join(import.meta.dirname, 'metadata-store.ts')).href;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, storeUrl, file], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  t.teardown(() => child.kill('SIGKILL'));
  await untilLine(child.stdout, ready);
  return {
    exited,
    release: async () => {
      child.stdin.end('\n');
      return exited;
    },
  };
}

async function untilLine(output: Readable, line: string): Promise<void> {
  for await (const text of createInterface({ input: output })) if (text === line) return;
  throw new FailedPreconditionError(`the child process ended before it printed "${line}"`);
}

/** Whether some connection holds the write lock now: BEGIN IMMEDIATE without waiting says so. */
function writeLockHeld(file: string): boolean {
  const db = new DatabaseSync(file, { timeout: 0 });
  try {
    db.exec('BEGIN IMMEDIATE');
    db.exec('ROLLBACK');
    return false;
  } catch (error) {
    // Extended codes (SQLITE_BUSY_RECOVERY = 261) carry the primary code in their low byte.
    if (error instanceof Error && 'errcode' in error && typeof error.errcode === 'number' && (error.errcode & 0xff) === SQLITE_BUSY) return true;
    throw error;
  } finally {
    db.close();
  }
}

function settingKeys(meta: MetadataStore): string[] {
  return meta.read((db) => db.prepare('SELECT key FROM settings ORDER BY rowid').all().map((row) => rowText(row, 'settings', 'key')));
}

test('a reader is not blocked while another process holds a write transaction', async (t) => {
  const file = path.join(scratchDir(t), 'metadata.db');
  const meta = openMeta(t, file);
  const holder = await storeProcess(t, HOLD_WRITE_LOCK, file, 'locked');
  // A read that waited for the writer could not return before release() below: it would fail
  // after the busy timeout instead.
  t.is(settingsCount(meta), 0, 'the uncommitted row is not visible');
  t.true(writeLockHeld(file), 'the read returned while the other process still held the write lock');
  t.is(await holder.release(), 0);
  t.is(settingsCount(meta), 1, 'the committed row is');
});

test('two writers in two processes take turns instead of failing', async (t) => {
  const file = path.join(scratchDir(t), 'metadata.db');
  const meta = openMeta(t, file);
  const holder = await storeProcess(t, HOLD_WRITE_LOCK, file, 'locked');
  const second = await storeProcess(t, WRITE_ONCE, file, 'writing');
  t.true(writeLockHeld(file), 'the second writer asked for the lock while the first held it');
  t.is(await holder.release(), 0);
  t.is(await second.exited, 0, 'the second writer waited instead of failing');
  t.deepEqual(settingKeys(meta), ['held', 'second']);
});
