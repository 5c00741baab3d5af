import fs from 'node:fs';
import { O_DIRECTORY, O_PATH, SysError, openInRoot } from '@layerctl/sys';
import { applyLayer, fileHeader, packTree, writeTar } from '@layerctl/snapshotter';
import type { VolumeMount } from './container-config.ts';

/** The tar name of the layer root: applyLayer gives its metadata to the target directory itself. */
const ROOT_ENTRY = '.';

/**
 * Docker's first fill of a named volume: when a container is created, each named volume whose
 * data directory is empty gets a copy of what the image holds at the mount's destination (files,
 * directories, symlinks, hardlinks, devices, with owner, mode, times and xattrs; the directory
 * itself gives the volume's root its owner, mode and times), so `-v dbdata:/var/lib/db` starts
 * with the image's initial files. A volume holding anything is never touched, nor one mounted
 * with nocopy, and a bind mount is never filled. Nothing is copied when the destination is
 * missing in the image or is not a directory.
 *
 * `rootfs` is the container's mounted root filesystem (image, init layer, empty rw layer). The
 * destination is resolved inside it as the container will see it: a symlink on the way (an
 * image's `/data -> /etc`) leads to `<rootfs>/etc`, never to the host's. The copy is the
 * archive's own: packTree of the image directory streamed into applyLayer on the volume, file
 * by file, with its safe extraction. Two containers created at the same moment on the same new
 * volume may both find it empty and both copy into it: no lock spans the check and the copy.
 */
export async function fillVolumes(rootfs: string, mounts: readonly VolumeMount[]): Promise<void> {
  for (const mount of mounts) {
    if (mount.volume === undefined || mount.nocopy === true || !isEmptyDirectory(mount.source)) continue;
    await withImageDirectory(rootfs, mount.destination, (source) => copyDirectory(source, mount.source));
  }
}

/** Whether `dir` holds no entry; reads one entry at most, however full it is. */
function isEmptyDirectory(dir: string): boolean {
  const handle = fs.opendirSync(dir);
  try {
    return handle.readSync() === null;
  } finally {
    handle.closeSync();
  }
}

/**
 * Runs `use` on the directory at `destination` inside `rootfs`, named through a descriptor opened
 * in the root (/proc/self/fd/N), so no symlink can take the copy outside it; does nothing when the
 * image has no directory there.
 */
async function withImageDirectory(rootfs: string, destination: string, use: (dir: string) => Promise<void>): Promise<void> {
  const rootFd = fs.openSync(rootfs, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  let dirFd: number;
  try {
    dirFd = openInRoot(rootFd, destination, O_PATH | O_DIRECTORY);
  } catch (err) {
    if (err instanceof SysError && (err.code === 'ENOENT' || err.code === 'ENOTDIR')) return;
    throw err;
  } finally {
    fs.closeSync(rootFd);
  }
  try {
    // The trailing '.' makes lstat and the xattr calls take the directory, not the magic link naming it.
    await use(`/proc/self/fd/${dirFd}/.`);
  } finally {
    fs.closeSync(dirFd);
  }
}

/** What is under `source` into `target`, then `source`'s own metadata onto `target` (last, so its times stay). */
async function copyDirectory(source: string, target: string): Promise<void> {
  await applyLayer(target, packTree(source));
  const header = fileHeader(source, ROOT_ENTRY, fs.lstatSync(source, { bigint: true }));
  if (header !== undefined) await applyLayer(target, writeTar([{ header }]));
}
