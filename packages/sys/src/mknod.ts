import { check } from './check.ts';
import { makedev } from './device-number.ts';
import { InvalidArgumentError } from './errors.ts';
import { libc } from './libc.ts';

// The kernel's dev_t is 32 bits, 12 for the major and 20 for the minor (MINORBITS in
// <linux/kdev_t.h>); mknod(2) silently drops the bits above, which would make another device.
const MAJOR_MAX = 0xfff;
const MINOR_MAX = 0xfffff;

/**
 * mknod(2). `mode` is one of S_IFCHR, S_IFBLK, S_IFIFO, S_IFREG, S_IFSOCK plus permission bits,
 * which the process umask narrows as for any mknod; chmod afterwards when the bits must be exact.
 * A device number the kernel cannot hold is refused rather than truncated.
 */
export function mknod(path: string, mode: number, major = 0, minor = 0): void {
  if (!Number.isInteger(major) || !Number.isInteger(minor) || major < 0 || minor < 0 || major > MAJOR_MAX || minor > MINOR_MAX) {
    throw new InvalidArgumentError(
      `mknod ${path}: device ${major}:${minor} is out of Linux's range (major 0-${MAJOR_MAX}, minor 0-${MINOR_MAX})`,
    );
  }
  check(libc().mknod(path, mode, makedev(major, minor)), 'mknod', path);
}
