import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, MS_BIND, MS_REMOUNT, SysError } from '@layerctl/sys';
import { type InitOp, initOp } from '../init/init-plan.ts';
import type { Mount } from '../spec/runtime-spec.ts';
import { parseMountOptions } from './mount-options.ts';

/** Mode of the directories and files made as mount points, as runc makes them. */
const DIRECTORY_MODE = 0o755;
const FILE_MODE = 0o644;

/**
 * The plan for one spec mount at its destination INSIDE the root: the init makes and opens the
 * destination with openat2(RESOLVE_IN_ROOT) and mounts onto /proc/self/fd/N, so an image whose
 * /etc, /proc or /dev is a symlink to a host path mounts inside itself all the same. Bind sources
 * are host paths chosen by the caller (volumes, the container's hosts file); a missing one is
 * refused here, before the init starts.
 */
export function mountInRootPlan(entry: Mount, bundle: string): InitOp[] {
  if (!path.posix.isAbsolute(entry.destination)) {
    throw new InvalidArgumentError(`mount destination ${JSON.stringify(entry.destination)} must be absolute`);
  }
  const options = parseMountOptions(entry.options ?? [], entry.type);
  const source = options.bind ? path.resolve(bundle, entry.source ?? '') : (entry.source ?? entry.type ?? 'none');
  const directory = options.bind ? isDirectory(source) : true;
  const dir = directory ? 1 : 0;
  const ops = [
    ...makeDestination(entry.destination, directory),
    initOp('mount_in_root', source, entry.destination, options.bind ? '' : (entry.type ?? ''), options.flags, options.data, dir),
  ];
  if (options.bind && options.bindRemountFlags !== 0) {
    // The flags of a bind take effect only through a remount of the new mount, opened anew.
    ops.push(initOp('mount_in_root', '', entry.destination, '', MS_BIND | MS_REMOUNT | options.bindRemountFlags, '', dir));
  }
  if (options.propagation !== 0) ops.push(initOp('mount_in_root', '', entry.destination, '', options.propagation, '', dir));
  return ops;
}

/** Makes a directory, or an empty file for a file bind, at `destination` inside the root. */
export function makeDestination(destination: string, directory: boolean): InitOp[] {
  if (directory) return [initOp('mkdir_in_root', destination, DIRECTORY_MODE)];
  return [initOp('mkdir_in_root', path.posix.dirname(destination), DIRECTORY_MODE), initOp('mkfile_in_root', destination, FILE_MODE)];
}

function isDirectory(source: string): boolean {
  try {
    return fs.statSync(source).isDirectory();
  } catch (error) {
    if (error instanceof Error && 'errno' in error && typeof error.errno === 'number') {
      throw new SysError('stat', -error.errno, source, { message: `bind mount source ${source} is missing or unreadable` });
    }
    throw error;
  }
}
