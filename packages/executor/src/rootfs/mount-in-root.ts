import fs from 'node:fs';
import path from 'node:path';
import {
  InvalidArgumentError,
  MS_BIND,
  MS_REC,
  MS_REMOUNT,
  mkdirInRoot,
  mknodInRoot,
  mount,
  O_DIRECTORY,
  O_PATH,
  openInRoot,
  S_IFREG,
  SysError,
  existsInRoot,
} from '@layerctl/sys';
import type { Mount } from '../spec/runtime-spec.ts';
import { parseMountOptions } from './mount-options.ts';
import { procFdPath } from './proc-fd-path.ts';

/**
 * Mounts one spec mount at its destination INSIDE the root open at `rootFd`: the destination is
 * made and opened with openat2(RESOLVE_IN_ROOT) and the mount made onto /proc/self/fd/N, so an
 * image whose /etc, /proc or /dev is a symlink to a host path mounts inside itself all the same.
 * Bind sources are host paths chosen by the caller (volumes, the container's hosts file).
 */
export function mountInRoot(rootFd: number, entry: Mount, bundle: string): void {
  if (!path.posix.isAbsolute(entry.destination)) {
    throw new InvalidArgumentError(`mount destination ${JSON.stringify(entry.destination)} must be absolute`);
  }
  const options = parseMountOptions(entry.options ?? [], entry.type);
  const source = options.bind ? path.resolve(bundle, entry.source ?? '') : (entry.source ?? entry.type ?? 'none');
  const directory = options.bind ? isDirectory(source) : true;
  makeDestination(rootFd, entry.destination, directory);
  withDestination(rootFd, entry.destination, directory, (target) => {
    mount(source, target, options.bind ? null : (entry.type ?? null), options.flags, options.data === '' ? undefined : options.data);
  });
  if (options.bind && options.bindRemountFlags !== 0) {
    // The flags of a bind take effect only through a remount of the new mount, opened anew.
    withDestination(rootFd, entry.destination, directory, (target) => {
      mount('', target, null, MS_BIND | MS_REMOUNT | options.bindRemountFlags);
    });
  }
  if (options.propagation !== 0) {
    withDestination(rootFd, entry.destination, directory, (target) => mount('', target, null, options.propagation));
  }
}

/** Makes a directory, or an empty file for a file bind, at `destination` inside the root. */
export function makeDestination(rootFd: number, destination: string, directory: boolean): void {
  if (directory) {
    mkdirInRoot(rootFd, destination);
    return;
  }
  mkdirInRoot(rootFd, path.posix.dirname(destination));
  if (!existsInRoot(rootFd, destination)) mknodInRoot(rootFd, destination, S_IFREG | 0o644);
}

/** Opens `destination` inside the root and hands /proc/self/fd/N to `use`, closing it after. */
export function withDestination(rootFd: number, destination: string, directory: boolean, use: (target: string) => void): void {
  const fd = openInRoot(rootFd, destination, O_PATH | (directory ? O_DIRECTORY : 0));
  try {
    use(procFdPath(fd));
  } finally {
    fs.closeSync(fd);
  }
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
