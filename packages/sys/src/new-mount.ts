import { createRequire } from 'node:module';
import type KoffiModule from 'koffi';
import { check } from './check.ts';

/**
 * The new mount API (Linux 5.2, glibc 2.36): a filesystem context is opened (fsopen), configured
 * one option per call (fsconfig), turned into a detached mount (fsmount) and attached where it
 * belongs (move_mount). One option per call is what lifts mount(2)'s one-page limit on the data
 * string: overlay takes `lowerdir+` once per layer (Linux 6.8), up to its 500 lower layers.
 *
 * Each failure is a SysError naming the call and what it was given: "fsconfig lowerdir+=/x: ENOENT".
 * The descriptors are the caller's to close (closeFd), on every path.
 */

/** fsopen: the context's descriptor is closed on exec. */
export const FSOPEN_CLOEXEC = 0x1;
/** fsconfig: set a flag option that takes no value (overlay's `userxattr`). */
export const FSCONFIG_SET_FLAG = 0;
/** fsconfig: set an option to a string (`lowerdir+`, `upperdir`, `source`). */
export const FSCONFIG_SET_STRING = 1;
/** fsconfig: create the superblock from the options set so far. */
export const FSCONFIG_CMD_CREATE = 6;
/** fsmount: the mount's descriptor is closed on exec. */
export const FSMOUNT_CLOEXEC = 0x1;
/** fsmount attributes, the new API's spelling of MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC. */
export const MOUNT_ATTR_RDONLY = 0x1;
export const MOUNT_ATTR_NOSUID = 0x2;
export const MOUNT_ATTR_NODEV = 0x4;
export const MOUNT_ATTR_NOEXEC = 0x8;
/** move_mount: the source is the descriptor itself (from fsmount), not a path under it. */
export const MOVE_MOUNT_F_EMPTY_PATH = 0x4;
/** "Relative to the current directory" in the *at() calls. */
export const AT_FDCWD = -100;

interface NewMountLibc {
  fsopen(fstype: string, flags: number): number;
  fsconfig(fd: number, cmd: number, key: string | null, value: string | null, aux: number): number;
  fsmount(fd: number, flags: number, attrFlags: number): number;
  move_mount(fromDirfd: number, fromPath: string, toDirfd: number, toPath: string, flags: number): number;
  close(fd: number): number;
}

let bound: NewMountLibc | undefined;

/**
 * Bound on first use, apart from libc.ts: these symbols exist only from glibc 2.36 on, and a host
 * with an older glibc must still be able to use every other call (the mount helper falls back to
 * mount(2) there). The errno check() reads is per thread, shared with libc.ts's bindings.
 */
function newMountLibc(): NewMountLibc {
  if (bound !== undefined) return bound;
  const koffi: typeof KoffiModule = createRequire(import.meta.url)('koffi');
  const lib = koffi.load('libc.so.6');
  bound = {
    fsopen: lib.func('int fsopen(const char *fstype, unsigned int flags)'),
    fsconfig: lib.func('int fsconfig(int fd, unsigned int cmd, const char *key, const char *value, int aux)'),
    fsmount: lib.func('int fsmount(int fd, unsigned int flags, unsigned int attr_flags)'),
    move_mount: lib.func(
      'int move_mount(int from_dirfd, const char *from_path, int to_dirfd, const char *to_path, unsigned int flags)',
    ),
    close: lib.func('int close(int fd)'),
  };
  return bound;
}

/** Opens a filesystem context for `fstype` ('overlay', 'tmpfs'); returns its descriptor. */
export function fsopen(fstype: string, flags = FSOPEN_CLOEXEC): number {
  return check(newMountLibc().fsopen(fstype, flags), 'fsopen', fstype);
}

/** Sets option `key` to `value` on a context; errors name the option as "key=value". */
export function fsconfigSetString(fd: number, key: string, value: string): void {
  // `lowerdir+` already ends in its operator; the error then reads "lowerdir+=/x" as written.
  check(newMountLibc().fsconfig(fd, FSCONFIG_SET_STRING, key, value, 0), 'fsconfig', `${key}=${value}`);
}

/** Sets a flag option (no value) on a context. */
export function fsconfigSetFlag(fd: number, key: string): void {
  check(newMountLibc().fsconfig(fd, FSCONFIG_SET_FLAG, key, null, 0), 'fsconfig', key);
}

/** Creates the superblock from the options set; `fstype` only names it in errors. */
export function fsconfigCreate(fd: number, fstype: string): void {
  check(newMountLibc().fsconfig(fd, FSCONFIG_CMD_CREATE, null, null, 0), 'fsconfig create', fstype);
}

/** A detached mount of the context's superblock with MOUNT_ATTR_* `attrFlags`; returns its descriptor. */
export function fsmount(fd: number, attrFlags = 0, flags = FSMOUNT_CLOEXEC): number {
  return check(newMountLibc().fsmount(fd, flags, attrFlags), 'fsmount');
}

/** Attaches the detached mount `mountFd` (from fsmount) at `target`. */
export function moveMount(mountFd: number, target: string): void {
  check(newMountLibc().move_mount(mountFd, '', AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH), 'move_mount', target);
}

/** close(2) of a descriptor from the calls above. */
export function closeFd(fd: number): void {
  check(newMountLibc().close(fd), 'close', String(fd));
}

/**
 * Mounts a `fstype` filesystem on `target` through the new mount API: fsopen, one fsconfig per
 * option (`key=value` sets a string, so `lowerdir+=/x` appends a layer; a bare word sets a flag),
 * create, fsmount with MOUNT_ATTR_* `attrFlags`, move_mount. Both descriptors are closed on every
 * path. This is how an overlay gets more lower layers than fit in one page of mount(2) options.
 */
export function mountWithFsconfig(fstype: string, options: readonly string[], target: string, attrFlags = 0): void {
  const context = fsopen(fstype);
  try {
    for (const option of options) {
      const eq = option.indexOf('=');
      if (eq < 0) fsconfigSetFlag(context, option);
      else fsconfigSetString(context, option.slice(0, eq), option.slice(eq + 1));
    }
    fsconfigCreate(context, fstype);
    const detached = fsmount(context, attrFlags);
    try {
      moveMount(detached, target);
    } finally {
      closeFd(detached);
    }
  } finally {
    closeFd(context);
  }
}
