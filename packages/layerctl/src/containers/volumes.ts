import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, makeDirectories } from '@layerctl/sys';
import type { Root } from '../with-root.ts';
import type { VolumeMount } from './container-config.ts';
import { volumeDataDir } from './container-paths.ts';

/** Docker's rule for a volume name: what may follow is what a file name may safely hold. */
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const READ_ONLY = 'ro';
const READ_WRITE = 'rw';
/** Owner-only: a volume holds a container's data; nobody else on the host needs to read it. */
const VOLUMES_MODE = 0o700;

/** One -v as written: where it comes from and what it is. */
export interface VolumeSpec {
  /** An absolute host path (bind) or a volume name. */
  source: string;
  destination: string;
  readonly: boolean;
}

/** Whether `name` may name a volume: Docker's rule, which also keeps it one safe file name. */
export function isVolumeName(name: string): boolean {
  return VOLUME_NAME.test(name);
}

/** `-v SRC:DST[:ro|rw]`; SRC is an absolute host path or a volume name. */
export function parseVolumeSpec(text: string): VolumeSpec {
  const parts = text.split(':');
  const [source = '', destination = '', mode = READ_WRITE] = parts;
  const where = `-v ${JSON.stringify(text)}`;
  if (parts.length < 2 || parts.length > 3) {
    throw new InvalidArgumentError(`${where}: write SRC:DST or SRC:DST:ro (anonymous volumes are not supported; name the volume)`);
  }
  if (mode !== READ_ONLY && mode !== READ_WRITE) throw new InvalidArgumentError(`${where}: the mode is ro or rw, not ${JSON.stringify(mode)}`);
  if (!path.isAbsolute(destination)) throw new InvalidArgumentError(`${where}: the path in the container must be absolute`);
  if (!path.isAbsolute(source) && !isVolumeName(source)) {
    throw new InvalidArgumentError(`${where}: the source is an absolute host path or a volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]+)`);
  }
  return { source, destination: path.posix.normalize(destination), readonly: mode === READ_ONLY };
}

/** A missing host directory of -v is made as Docker makes it: 0755. */
const HOST_DIR_MODE = 0o755;

/**
 * Makes each -v ready: a host path as Docker's -v does (created when missing), a named volume
 * recorded in the volumes table and its directory made the first time it is named. The data of
 * a named volume survives the containers that use it.
 */
export function prepareVolumes(root: Root, specs: readonly VolumeSpec[]): VolumeMount[] {
  return specs.map((spec) => {
    if (path.isAbsolute(spec.source)) {
      makeDirectories(spec.source, HOST_DIR_MODE);
      return { source: spec.source, destination: spec.destination, readonly: spec.readonly };
    }
    return { source: ensureVolume(root, spec.source), destination: spec.destination, readonly: spec.readonly, volume: spec.source };
  });
}

/** Makes the named volume's directory and record unless they exist; returns its data directory. */
export function ensureVolume(root: Root, name: string): string {
  const data = volumeDataDir(root.dir, name);
  fs.mkdirSync(path.dirname(path.dirname(data)), { recursive: true, mode: VOLUMES_MODE });
  fs.mkdirSync(data, { recursive: true });
  root.metadata.write((db) => db.prepare('INSERT INTO volumes (name, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING').run(name, Date.now()));
  return data;
}
