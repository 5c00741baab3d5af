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
/** Docker's option that leaves a new named volume empty instead of filling it from the image (fill-volumes.ts). */
const NO_COPY = 'nocopy';
const MODES: readonly string[] = [READ_ONLY, READ_WRITE, NO_COPY];
/** Owner-only: a volume holds a container's data; nobody else on the host needs to read it. */
const VOLUMES_MODE = 0o700;

/** One -v as written: where it comes from and what it is. */
export interface VolumeSpec {
  /** An absolute host path (bind) or a volume name. */
  source: string;
  destination: string;
  readonly: boolean;
  /** A named volume that stays empty when new instead of taking the image's files (Docker's nocopy). */
  nocopy: boolean;
}

/** Whether `name` may name a volume: Docker's rule, which also keeps it one safe file name. */
export function isVolumeName(name: string): boolean {
  return VOLUME_NAME.test(name);
}

/** `-v SRC:DST[:OPTIONS]`, OPTIONS a comma-separated list of ro or rw and nocopy; SRC is an absolute host path or a volume name. */
export function parseVolumeSpec(text: string): VolumeSpec {
  const parts = text.split(':');
  const [source = '', destination = '', options = READ_WRITE] = parts;
  const where = `-v ${JSON.stringify(text)}`;
  if (parts.length < 2 || parts.length > 3) {
    throw new InvalidArgumentError(`${where}: write SRC:DST or SRC:DST:ro (anonymous volumes are not supported; name the volume)`);
  }
  const modes = parseModes(options, where);
  if (!path.isAbsolute(destination)) throw new InvalidArgumentError(`${where}: the path in the container must be absolute`);
  // Docker refuses it too: a volume over the whole root would hide the image (and a new one would copy all of it).
  if (path.posix.normalize(destination) === '/') throw new InvalidArgumentError(`${where}: the path in the container cannot be /`);
  if (!path.isAbsolute(source) && !isVolumeName(source)) {
    throw new InvalidArgumentError(`${where}: the source is an absolute host path or a volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]+)`);
  }
  if (modes.has(NO_COPY) && path.isAbsolute(source)) throw new InvalidArgumentError(`${where}: nocopy is for named volumes; a bind mount is never filled from the image`);
  return { source, destination: path.posix.normalize(destination), readonly: modes.has(READ_ONLY), nocopy: modes.has(NO_COPY) };
}

/** The options after DST: each known, none twice, not both ro and rw. */
function parseModes(options: string, where: string): Set<string> {
  const modes = new Set<string>();
  for (const mode of options.split(',')) {
    if (!MODES.includes(mode)) throw new InvalidArgumentError(`${where}: the options are ro or rw and nocopy, comma-separated, not ${JSON.stringify(mode)}`);
    if (modes.has(mode)) throw new InvalidArgumentError(`${where}: ${mode} is given twice`);
    modes.add(mode);
  }
  if (modes.has(READ_ONLY) && modes.has(READ_WRITE)) throw new InvalidArgumentError(`${where}: ro and rw exclude each other`);
  return modes;
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
    const mount: VolumeMount = { source: ensureVolume(root, spec.source), destination: spec.destination, readonly: spec.readonly, volume: spec.source };
    if (spec.nocopy) mount.nocopy = true;
    return mount;
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
