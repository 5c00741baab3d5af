import fs from 'node:fs';
import path from 'node:path';
import { rowInteger, rowText } from '@layerctl/snapshotter';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '@layerctl/sys';
import type { Root } from '../with-root.ts';
import { VOLUMES_DIR, volumeDataDir } from './container-paths.ts';
import { ContainerStore } from './container-store.ts';
import { ensureVolume, isVolumeName } from './volumes.ts';

/** A named volume as `volume ls` and `volume inspect` show it. */
export interface VolumeRecord {
  name: string;
  createdAt: number;
  /** Its data directory on the host, what containers see at their mount point. */
  mountpoint: string;
  /** The names of the containers (any state) that mount it. */
  usedBy: string[];
}

const TABLE = 'volumes';

function checkName(name: string): string {
  if (!isVolumeName(name)) throw new InvalidArgumentError(`volume name ${JSON.stringify(name)}: use [a-zA-Z0-9][a-zA-Z0-9_.-]+`);
  return name;
}

/** Every named volume, by name, with the containers that use it. */
export function listVolumes(root: Root): VolumeRecord[] {
  const rows = root.metadata.read((db) => db.prepare(`SELECT name, created_at FROM ${TABLE} ORDER BY name`).all());
  const users = volumeUsers(root);
  return rows.map((row) => {
    const name = rowText(row, TABLE, 'name');
    return { name, createdAt: rowInteger(row, TABLE, 'created_at'), mountpoint: volumeDataDir(root.dir, name), usedBy: users.get(name) ?? [] };
  });
}

/** The volume named `name`, or a NotFoundError naming it. */
export function findVolume(root: Root, name: string): VolumeRecord {
  const found = listVolumes(root).find((volume) => volume.name === name);
  if (found === undefined) throw new NotFoundError(`volume ${name}: no such volume`);
  return found;
}

/** Makes a volume as the first `-v NAME:/path` would; naming one that exists is no error, as in Docker. */
export function createVolume(root: Root, name: string): VolumeRecord {
  ensureVolume(root, checkName(name));
  return findVolume(root, name);
}

/**
 * Removes a volume and its data. A volume that a container mounts, in any state, is refused with
 * the containers named: its data would vanish under a container that may start again.
 */
export function removeVolume(root: Root, name: string): void {
  const volume = findVolume(root, checkName(name));
  if (volume.usedBy.length > 0) throw new FailedPreconditionError(`volume ${name} is in use by ${volume.usedBy.join(', ')}; remove those containers first`);
  // Data first: a crash in between leaves the record, and `volume rm` again finishes the job.
  fs.rmSync(path.join(root.dir, VOLUMES_DIR, name), { recursive: true, force: true });
  root.metadata.write((db) => db.prepare(`DELETE FROM ${TABLE} WHERE name = ?`).run(name));
}

function volumeUsers(root: Root): Map<string, string[]> {
  const users = new Map<string, string[]>();
  for (const container of new ContainerStore(root.metadata).list()) {
    for (const mount of container.config.mounts) {
      if (mount.volume !== undefined) users.set(mount.volume, [...(users.get(mount.volume) ?? []), container.name]);
    }
  }
  return users;
}
