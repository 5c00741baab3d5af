import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Mount, TarInput } from '@layerctl/snapshotter';
import type { Snapshotter } from '../with-root.ts';

/** Directories a container needs as mount points (Docker's initlayer), with their modes. */
const INIT_DIRECTORIES: ReadonlyArray<[string, number]> = [
  ['dev', 0o755],
  ['dev/pts', 0o755],
  ['dev/shm', 0o1777],
  ['etc', 0o755],
  ['proc', 0o555],
  ['sys', 0o555],
];
/** Empty files the bundle binds over: the /etc files from the container's directory, and the console. */
const INIT_FILES = ['dev/console', 'etc/hostname', 'etc/hosts', 'etc/resolv.conf'];
const INIT_FILE_MODE = 0o644;
/** /etc/mtab is the kernel's list of mounts, as on any modern distribution. */
const MTAB: [string, string] = ['etc/mtab', '/proc/mounts'];
/** The entries' times, as the tar gives them (none: the epoch), so every container's init layer is the same. */
const ENTRY_TIME = 0;
/** The option of an overlay mount (kernel or fuse-overlayfs) naming its writable layer's directory. */
const UPPERDIR_OPTION = 'upperdir=';

/**
 * The init layer `<id>-init` as a changeset tar: the mount points and /etc files every container
 * needs, whatever its image holds there. It goes in through the driver's applyDiff, the same
 * safe path as an image layer, so an image whose /etc/hosts is a symlink to a host file gets a
 * plain file in its place instead of having anything written through the link.
 */
export function initLayerTar(api: Snapshotter): Readable {
  const entries: TarInput[] = [
    ...INIT_DIRECTORIES.map(([name, mode]) => ({ header: api.tarHeader({ name, type: 'directory', mode }) })),
    ...INIT_FILES.map((name) => ({ header: api.tarHeader({ name, type: 'file', mode: INIT_FILE_MODE }), body: Buffer.alloc(0) })),
    { header: api.tarHeader({ name: MTAB[0], type: 'symlink', mode: 0o777, linkname: MTAB[1] }) },
  ];
  return api.writeTar(entries.sort((a, b) => api.compareEntryPaths(a.header.name, b.header.name)));
}

/**
 * The directory a fresh active snapshot's own changes live in, when its mounts say so: an overlay
 * (the kernel's or fuse-overlayfs) names it as upperdir. undefined for anything else (a block
 * device, a bind of a layer without parent), which then takes initLayerTar through applyDiff.
 */
export function upperDirectory(mounts: readonly Mount[]): string | undefined {
  const [only, ...more] = mounts;
  if (only === undefined || more.length > 0) return undefined;
  const option = only.options.find((o) => o.startsWith(UPPERDIR_OPTION));
  return option === undefined ? undefined : option.slice(UPPERDIR_OPTION.length);
}

/**
 * Makes the init layer's entries straight in `upper`, the new init snapshot's own directory,
 * with the same types, modes and times as initLayerTar applied there. The applier's care is not
 * needed here: `upper` was made empty by prepare a moment ago and nothing of the image is in it,
 * and each entry is created exclusively (mkdir, O_CREAT|O_EXCL, symlink), so an existing path
 * fails instead of being followed. Going around the tar codec saves `run` loading and running
 * the tar reader and applier for eleven entries (~10 ms of CPU).
 */
export function writeInitLayer(upper: string): void {
  const at = (name: string): string => path.join(upper, name);
  for (const [name, mode] of INIT_DIRECTORIES) {
    fs.mkdirSync(at(name));
    fs.chmodSync(at(name), mode);
  }
  for (const name of INIT_FILES) {
    fs.closeSync(fs.openSync(at(name), 'wx', INIT_FILE_MODE));
    fs.chmodSync(at(name), INIT_FILE_MODE);
    fs.utimesSync(at(name), ENTRY_TIME, ENTRY_TIME);
  }
  fs.symlinkSync(MTAB[1], at(MTAB[0]));
  fs.lutimesSync(at(MTAB[0]), ENTRY_TIME, ENTRY_TIME);
  // Directory times last, deepest first: adding to a directory sets its mtime.
  for (const [name] of [...INIT_DIRECTORIES].reverse()) fs.utimesSync(at(name), ENTRY_TIME, ENTRY_TIME);
}
