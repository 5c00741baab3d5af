import { constants } from 'node:os';
import { check } from './check.ts';
import { SysError } from './errors.ts';
import { libc } from './libc.ts';

// Extended attributes of a path itself, never of a symlink's target (the l* calls).
// Values are raw bytes: security.capability and overlay's trusted.* values are binary.

const { ENODATA, ENOTSUP, ERANGE } = constants.errno;

/** XATTR_CREATE for lsetxattr: fail with EEXIST if the attribute exists already. */
export const XATTR_CREATE = 0x1;
/** XATTR_REPLACE for lsetxattr: fail with ENODATA if the attribute does not exist yet. */
export const XATTR_REPLACE = 0x2;

/**
 * The kernel's cap on one value and on a whole name list (XATTR_SIZE_MAX, XATTR_LIST_MAX in
 * <linux/limits.h>): a buffer this big never gets ERANGE.
 */
const XATTR_MAX = 65536;

/** The value of `name` on `path`, or undefined when `path` has no such attribute. */
export function lgetxattr(path: string, name: string): Buffer | undefined {
  try {
    return readSized((buf, size) => libc().lgetxattr(path, name, buf, size), 'lgetxattr', path);
  } catch (err) {
    if (err instanceof SysError && err.errno === ENODATA) return undefined;
    throw err;
  }
}

/** Sets `name` on `path` to `value`; `flags` is 0, XATTR_CREATE or XATTR_REPLACE. */
export function lsetxattr(path: string, name: string, value: Buffer, flags = 0): void {
  check(libc().lsetxattr(path, name, value, value.length, flags), 'lsetxattr', path);
}

/** The attribute names on `path`; empty when it has none or its filesystem has no xattrs at all. */
export function llistxattr(path: string): string[] {
  let list: Buffer;
  try {
    list = readSized((buf, size) => libc().llistxattr(path, buf, size), 'llistxattr', path);
  } catch (err) {
    if (err instanceof SysError && err.errno === ENOTSUP) return [];
    throw err;
  }
  // The kernel returns the names NUL-terminated, one after another.
  return list.toString('utf8').split('\0').filter((name) => name !== '');
}

/** Removes `name` from `path`; fails with ENODATA when it is not there. */
export function lremovexattr(path: string, name: string): void {
  check(libc().lremovexattr(path, name), 'lremovexattr', path);
}

/**
 * Asks the kernel for the size (a call with size 0), then reads into a buffer of that size.
 * Another process may grow the value in between; the kernel then says ERANGE and we ask again,
 * growing the buffer at least twofold so that a writer who keeps changing it cannot keep us
 * here past XATTR_MAX.
 */
function readSized(read: (buf: Buffer | null, size: number) => number, call: string, path: string): Buffer {
  let size = check(read(null, 0), call, path);
  for (;;) {
    if (size === 0) return Buffer.alloc(0);
    const buf = Buffer.allocUnsafe(size);
    try {
      return buf.subarray(0, check(read(buf, size), call, path));
    } catch (err) {
      if (!(err instanceof SysError && err.errno === ERANGE) || size >= XATTR_MAX) throw err;
      size = Math.min(XATTR_MAX, Math.max(2 * size, check(read(null, 0), call, path)));
    }
  }
}
