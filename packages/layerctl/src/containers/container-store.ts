import type { DatabaseSync } from 'node:sqlite';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '@layerctl/sys';
import type { MetadataStore, Row } from '@layerctl/snapshotter';
import { rowInteger, rowText } from '@layerctl/snapshotter';
import { parseCommand, parseConfig, type ContainerConfig } from './container-config.ts';
import { identityAlive, type ProcessIdentity } from './process-identity.ts';

export const CONTAINER_STATES = ['created', 'running', 'paused', 'exited'] as const;
export type ContainerState = (typeof CONTAINER_STATES)[number];

/** One row of the containers table (metadata/migrations/containers.ts), checked. */
export interface ContainerRecord {
  id: string;
  name: string;
  state: ContainerState;
  process: ProcessIdentity | undefined;
  /** undefined while it runs, and when its end went unseen. */
  exitCode: number | undefined;
  oomKilled: boolean;
  image: string;
  imageId: string;
  command: string[];
  config: ContainerConfig;
  createdAt: number;
  startedAt: number | undefined;
  finishedAt: number | undefined;
}

export type NewContainer = Pick<ContainerRecord, 'id' | 'name' | 'image' | 'imageId' | 'command' | 'config' | 'createdAt'>;

const TABLE = 'containers';

/** Container ids are Docker's: 64 hex digits; any unique prefix names one. */
const ID_PREFIX = /^[0-9a-f]{1,64}$/;

/**
 * The containers of a root, kept in metadata.db. Names are unique (the table says so). A
 * running or paused container whose process is gone (pid and start time no longer match) is
 * read as exited with no exit code and written so, once, by whoever reads it first.
 */
export class ContainerStore {
  readonly #metadata: MetadataStore;

  constructor(metadata: MetadataStore) {
    this.#metadata = metadata;
  }

  insert(container: NewContainer): void {
    this.#metadata.write((db) => {
      const holder = db.prepare(`SELECT id FROM ${TABLE} WHERE name = ?`).get(container.name);
      if (holder !== undefined) {
        const id = rowText(holder, TABLE, 'id');
        throw new AlreadyExistsError(`container name "${container.name}" is already in use by container ${id.slice(0, 12)}; remove it or choose another --name`);
      }
      db.prepare(
        `INSERT INTO ${TABLE} (id, name, state, image, image_id, command, config, created_at) VALUES (?, ?, 'created', ?, ?, ?, ?, ?)`,
      ).run(container.id, container.name, container.image, container.imageId, JSON.stringify(container.command), JSON.stringify(container.config), container.createdAt);
    });
  }

  /** Every container, newest first, with dead processes read as exited. */
  list(): ContainerRecord[] {
    const records = this.#metadata.read((db) => db.prepare(`SELECT * FROM ${TABLE} ORDER BY created_at DESC, id`).all().map(recordOfRow));
    return records.map((record) => this.#settle(record));
  }

  /** Finds a container by full id, name, or unique id prefix (Docker's order). */
  resolve(text: string): ContainerRecord {
    return this.#settle(this.#metadata.read((db) => resolveIn(db, text)));
  }

  /** The row as stored, or undefined once removed (the monitor checks before recording an exit). */
  find(id: string): ContainerRecord | undefined {
    const row = this.#metadata.read((db) => db.prepare(`SELECT * FROM ${TABLE} WHERE id = ?`).get(id));
    return row === undefined ? undefined : recordOfRow(row);
  }

  markRunning(id: string, process: ProcessIdentity): void {
    this.#metadata.write((db) =>
      db
        .prepare(`UPDATE ${TABLE} SET state = 'running', pid = ?, pid_start_time = ?, started_at = ?, exit_code = NULL, finished_at = NULL WHERE id = ?`)
        .run(process.pid, process.startTime, Date.now(), id),
    );
  }

  setPaused(id: string, paused: boolean): void {
    this.#metadata.write((db) =>
      db.prepare(`UPDATE ${TABLE} SET state = ? WHERE id = ? AND state IN ('running', 'paused')`).run(paused ? 'paused' : 'running', id),
    );
  }

  /** Records the end of the run; `exitCode` undefined when nobody saw it. */
  markExited(id: string, exitCode: number | undefined, oomKilled: boolean): void {
    this.#metadata.write((db) =>
      db
        .prepare(`UPDATE ${TABLE} SET state = 'exited', exit_code = ?, oom_killed = ?, finished_at = ? WHERE id = ? AND state != 'exited'`)
        .run(exitCode ?? null, oomKilled ? 1 : 0, Date.now(), id),
    );
  }

  remove(id: string): void {
    this.#metadata.write((db) => db.prepare(`DELETE FROM ${TABLE} WHERE id = ?`).run(id));
  }

  /** Ids of the containers made from this image (rmi refuses while there are any). */
  usingImage(imageId: string): ContainerRecord[] {
    return this.#metadata.read((db) => db.prepare(`SELECT * FROM ${TABLE} WHERE image_id = ? ORDER BY created_at`).all(imageId).map(recordOfRow));
  }

  #settle(record: ContainerRecord): ContainerRecord {
    if (record.state !== 'running' && record.state !== 'paused') return record;
    if (record.process !== undefined && identityAlive(record.process)) return record;
    this.markExited(record.id, undefined, false);
    return this.find(record.id) ?? { ...record, state: 'exited', exitCode: undefined };
  }
}

function resolveIn(db: DatabaseSync, text: string): ContainerRecord {
  const exact = db.prepare(`SELECT * FROM ${TABLE} WHERE id = ? OR name = ?`).get(text, text);
  if (exact !== undefined) return recordOfRow(exact);
  if (!ID_PREFIX.test(text)) throw new NotFoundError(`container ${text}: no such container`);
  const rows = db.prepare(`SELECT * FROM ${TABLE} WHERE substr(id, 1, ?) = ?`).all(text.length, text);
  if (rows.length > 1) throw new InvalidArgumentError(`container id prefix ${text} is ambiguous: ${rows.length} containers start with it; give more digits`);
  const [row] = rows;
  if (row === undefined) throw new NotFoundError(`container ${text}: no such container`);
  return recordOfRow(row);
}

function recordOfRow(row: Row): ContainerRecord {
  const id = rowText(row, TABLE, 'id');
  const where = `${TABLE}.config of ${id}`;
  const pid = optionalInteger(row, 'pid');
  const startTime = optionalInteger(row, 'pid_start_time');
  return {
    id,
    name: rowText(row, TABLE, 'name'),
    state: stateOf(rowText(row, TABLE, 'state')),
    process: pid === undefined || startTime === undefined ? undefined : { pid, startTime },
    exitCode: optionalInteger(row, 'exit_code'),
    oomKilled: rowInteger(row, TABLE, 'oom_killed') !== 0,
    image: rowText(row, TABLE, 'image'),
    imageId: rowText(row, TABLE, 'image_id'),
    command: parseCommand(rowText(row, TABLE, 'command'), `${TABLE}.command of ${id}`),
    config: parseConfig(rowText(row, TABLE, 'config'), where),
    createdAt: rowInteger(row, TABLE, 'created_at'),
    startedAt: optionalInteger(row, 'started_at'),
    finishedAt: optionalInteger(row, 'finished_at'),
  };
}

function optionalInteger(row: Row, column: string): number | undefined {
  return row[column] === null || row[column] === undefined ? undefined : rowInteger(row, TABLE, column);
}

function stateOf(text: string): ContainerState {
  const state = CONTAINER_STATES.find((candidate) => candidate === text);
  if (state === undefined) throw new InvalidArgumentError(`metadata.db: containers.state holds "${text}"; run layerctl check`);
  return state;
}
