import type { ContainerRecord } from '../containers/container-store.ts';
import { table } from './table.ts';
import { timeAgo } from './time-ago.ts';
import { formatPublishedPort } from '../networks/published-port.ts';

/** How much of the command `ps` shows, as docker ps truncates it. */
const COMMAND_WIDTH = 20;
const SHORT_ID_LENGTH = 12;

/** Docker's STATUS column: "Up 3 minutes", "Up 3 minutes (Paused)", "Exited (0) 2 minutes ago", "Created". */
export function containerStatus(record: ContainerRecord, now: Date = new Date()): string {
  if (record.state === 'created') return 'Created';
  const since = (at: number | undefined): string => timeAgo(new Date(at ?? record.createdAt), now).replace(/ ago$/, '');
  if (record.state === 'running') return `Up ${since(record.startedAt)}`;
  if (record.state === 'paused') return `Up ${since(record.startedAt)} (Paused)`;
  const code = record.exitCode === undefined ? 'unknown' : String(record.exitCode);
  return `Exited (${code}) ${timeAgo(new Date(record.finishedAt ?? record.createdAt), now)}`;
}

function shownCommand(command: readonly string[]): string {
  const text = command.join(' ');
  return `"${text.length > COMMAND_WIDTH ? `${text.slice(0, COMMAND_WIDTH - 1)}…` : text}"`;
}

export function containersTable(records: readonly ContainerRecord[], now: Date = new Date()): string {
  return table(
    ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'],
    records.map((record) => [
      record.id.slice(0, SHORT_ID_LENGTH),
      record.image,
      shownCommand(record.command),
      timeAgo(new Date(record.createdAt), now),
      containerStatus(record, now),
      record.config.ports.map(formatPublishedPort).join(', '),
      record.name,
    ]),
  );
}

/** What `ps --json` prints of one container. */
export function containerDocument(record: ContainerRecord) {
  const iso = (at: number | undefined): string | null => (at === undefined ? null : new Date(at).toISOString());
  return {
    id: record.id,
    name: record.name,
    image: record.image,
    imageId: record.imageId,
    command: record.command,
    state: record.state,
    status: containerStatus(record),
    exitCode: record.exitCode ?? null,
    oomKilled: record.oomKilled,
    pid: record.process?.pid ?? null,
    created: iso(record.createdAt),
    started: iso(record.startedAt),
    finished: iso(record.finishedAt),
    hostname: record.config.hostname,
    network: record.config.network,
    ports: record.config.ports.map(formatPublishedPort),
    mounts: record.config.mounts,
    autoRemove: record.config.autoRemove,
  };
}
