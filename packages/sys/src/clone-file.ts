import fs from 'node:fs';
import { check } from './check.ts';
import { libc } from './libc.ts';
import { wrapNodeError } from './wrap-node-error.ts';

/** _IOW(0x94, 9, int) from <linux/fs.h>: share all of the source's extents with the destination. */
const FICLONE = 0x40049409;

/** The permission part of a mode, setuid/setgid/sticky included. */
const PERMISSION_BITS = 0o7777;

/**
 * Makes `dst` a reflink copy of `src` (ioctl FICLONE): same bytes, shared extents, no data copied.
 * `dst` is created or truncated and gets `src`'s permission bits.
 * Fails with a SysError when the filesystem cannot share extents (EOPNOTSUPP, reported as
 * ENOTSUP, on tmpfs or ext4), across filesystems (EXDEV) or for unsuitable files (EINVAL);
 * `dst` is then removed, so the caller can fall back to copying.
 */
export function cloneFile(src: string, dst: string): void {
  const srcFd = open(src, 'r');
  try {
    const perm = fstat(srcFd, src).mode & PERMISSION_BITS;
    const dstFd = open(dst, 'w', perm);
    try {
      // open() narrows the mode by the umask and keeps an existing file's mode; set it exactly.
      fs.fchmodSync(dstFd, perm);
      check(libc().ioctl(dstFd, FICLONE, 'int', srcFd), 'ioctl(FICLONE)', dst);
    } catch (err) {
      fs.rmSync(dst, { force: true });
      throw wrapNodeError(err, dst);
    } finally {
      fs.closeSync(dstFd);
    }
  } finally {
    fs.closeSync(srcFd);
  }
}

function open(path: string, flags: string, mode?: number): number {
  try {
    return fs.openSync(path, flags, mode);
  } catch (err) {
    throw wrapNodeError(err, path);
  }
}

function fstat(fd: number, path: string): fs.Stats {
  try {
    return fs.fstatSync(fd);
  } catch (err) {
    throw wrapNodeError(err, path);
  }
}
