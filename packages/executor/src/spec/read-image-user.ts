import fs from 'node:fs';
import { InvalidArgumentError, O_DIRECTORY, O_PATH, openInRoot, SysError, wrapNodeError } from '@layerctl/sys';
import { type ResolvedUser, resolveUser } from '../security/resolve-user.ts';

/** passwd and group files are small; one bigger than this is not read whole. */
const MAX_ACCOUNT_FILE_BYTES = 4 * 1024 * 1024;

/**
 * The uid, gid, supplementary groups and home of `user` (Docker's `-u` forms: name, uid,
 * name:group, uid:gid) from the image's /etc/passwd and /etc/group, read INSIDE the rootfs: an
 * image whose /etc/passwd is a symlink to a host path reads its own file at that path, or none.
 */
export function readImageUser(rootfs: string, user: string): ResolvedUser {
  let rootFd: number;
  try {
    rootFd = fs.openSync(rootfs, O_PATH | O_DIRECTORY);
  } catch (error) {
    throw wrapNodeError(error, rootfs);
  }
  try {
    return resolveUser(user, readInRoot(rootFd, '/etc/passwd'), readInRoot(rootFd, '/etc/group'));
  } finally {
    fs.closeSync(rootFd);
  }
}

function readInRoot(rootFd: number, file: string): string | undefined {
  let fd: number;
  try {
    // Non-blocking, so a FIFO planted at the name cannot hang the open.
    fd = openInRoot(rootFd, file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    if (error instanceof SysError && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) return undefined;
    throw error;
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new InvalidArgumentError(`image file ${file} is not a regular file`);
    if (stat.size > MAX_ACCOUNT_FILE_BYTES) throw new InvalidArgumentError(`image file ${file} is larger than ${MAX_ACCOUNT_FILE_BYTES} bytes`);
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}
