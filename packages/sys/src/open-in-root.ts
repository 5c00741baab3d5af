import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { check } from './check.ts';
import { InvalidArgumentError, SysError } from './errors.ts';
import { lastErrno, lazyBinding } from './libc.ts';

/**
 * Paths resolved inside a root directory, as if it were `/`: openat2(2) with RESOLVE_IN_ROOT,
 * so `..` stops at the root and an absolute symlink (an image's `/etc -> /host/etc`) is taken
 * relative to the root instead of the host's `/`. Magic links (/proc/self/fd/N) are refused,
 * being the one kind of link that could still leave the root.
 *
 * This is what keeps a hostile image from redirecting a container's mounts onto the host: the
 * destination is opened here, and the mount made onto /proc/self/fd/N of the descriptor.
 */

/** openat2 resolve flag: `..` and absolute symlinks stay inside the directory fd. */
export const RESOLVE_IN_ROOT = 0x10;
/** openat2 resolve flag: refuse /proc/<pid>/fd style magic links. */
export const RESOLVE_NO_MAGICLINKS = 0x02;
/** open flag: a descriptor that names a place without opening the file (usable as a mount target). */
export const O_PATH = 0o10000000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;
export const O_CLOEXEC = 0o2000000;

// glibc 2.36 has no openat2 wrapper; the number is the same in every architecture's table.
const SYS_OPENAT2 = 437;
// struct open_how { u64 flags; u64 mode; u64 resolve; }
const OPEN_HOW_SIZE = 24;

interface OpenInRootLibc {
  syscall(number: number, ...typedArgs: unknown[]): number;
  mkdirat(dirfd: number, path: string, mode: number): number;
  mknodat(dirfd: number, path: string, mode: number, dev: bigint): number;
  readlinkat(dirfd: number, path: string, buf: Buffer, size: number): number;
}

const bind = lazyBinding(
  (lib): OpenInRootLibc => ({
    syscall: lib.func('long syscall(long number, ...)'),
    mkdirat: lib.func('int mkdirat(int dirfd, const char *path, uint32_t mode)'),
    mknodat: lib.func('int mknodat(int dirfd, const char *path, uint32_t mode, uint64_t dev)'),
    readlinkat: lib.func('intptr_t readlinkat(int dirfd, const char *path, void *buf, size_t size)'),
  }),
);

/** openat2(2): opens `file` relative to `dirfd` with the given open and resolve flags. */
export function openat2(dirfd: number, file: string, flags: number, mode: number, resolve: number): number {
  const how = Buffer.alloc(OPEN_HOW_SIZE);
  how.writeBigUInt64LE(BigInt(flags), 0);
  how.writeBigUInt64LE(BigInt(mode), 8);
  how.writeBigUInt64LE(BigInt(resolve), 16);
  const fd = bind().syscall(SYS_OPENAT2, 'int', dirfd, 'const char *', file, 'void *', how, 'size_t', OPEN_HOW_SIZE);
  return check(fd, 'openat2', file);
}

/**
 * Opens `file` (absolute or not, it is taken inside the root) under the root directory open at
 * `rootFd`. O_CLOEXEC is always added. Errors name the path as the container sees it.
 */
export function openInRoot(rootFd: number, file: string, flags: number, mode = 0): number {
  return openat2(rootFd, inRootPath(file), flags | O_CLOEXEC, mode, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

// Symlinks followed while creating one path, as the kernel's own limit (MAXSYMLINKS).
const MAX_SYMLINKS = 40;
const PATH_MAX = 4096;

/**
 * mkdir -p of `dir` inside the root. A component that exists is used as it is, through symlinks
 * resolved inside the root; a dangling symlink has its target made, inside the root too, so an
 * image's `/etc -> /elsewhere` gets `<root>/elsewhere`, never a host directory.
 */
export function mkdirInRoot(rootFd: number, dir: string, mode = 0o755): void {
  mkdirFollowing(rootFd, inRootPath(dir), mode, 0);
}

function mkdirFollowing(rootFd: number, dir: string, mode: number, links: number): void {
  let prefix = '';
  for (const part of dir.split('/').filter((p) => p !== '' && p !== '.')) {
    const parent = prefix === '' ? '.' : prefix;
    prefix = prefix === '' ? part : `${prefix}/${part}`;
    if (existsInRoot(rootFd, prefix)) continue;
    const target = withParent(rootFd, parent, (parentFd) => {
      if (bind().mkdirat(parentFd, part, mode) === 0) return undefined;
      const mkdirErrno = lastErrno();
      // EEXIST for a name that does not resolve: a dangling symlink, whose target is made instead.
      const link = readlinkAt(parentFd, part);
      if (mkdirErrno !== os.constants.errno.EEXIST || link === undefined) {
        throw new SysError('mkdirat', mkdirErrno, `/${prefix}`);
      }
      return link;
    });
    if (target === undefined) continue;
    if (links >= MAX_SYMLINKS) throw new SysError('mkdirat', os.constants.errno.ELOOP, `/${prefix}`);
    const resolved = path.posix.isAbsolute(target) ? target : path.posix.join('/', parent, target);
    mkdirFollowing(rootFd, inRootPath(resolved), mode, links + 1);
  }
}

function readlinkAt(dirFd: number, name: string): string | undefined {
  const buf = Buffer.alloc(PATH_MAX);
  const n = bind().readlinkat(dirFd, name, buf, PATH_MAX);
  return n < 0 ? undefined : buf.subarray(0, n).toString('utf8');
}

/**
 * mknod inside the root: the parent is made (mkdir -p) and resolved in the root, and the node made
 * under it by name. A dangling symlink at the name has its target made instead, inside the root
 * too (an image's `/etc/hosts -> /host/file` gets `<root>/host/file`). An existing entry fails
 * with EEXIST, as mknod(2) does.
 */
export function mknodInRoot(rootFd: number, file: string, mode: number, dev = 0n): void {
  mknodFollowing(rootFd, inRootPath(file), mode, dev, 0);
}

function mknodFollowing(rootFd: number, relative: string, mode: number, dev: bigint, links: number): void {
  const parent = path.posix.dirname(relative);
  const name = path.posix.basename(relative);
  if (name === '' || name === '.') throw new SysError('mknodat', os.constants.errno.EEXIST, `/${relative}`);
  mkdirFollowing(rootFd, parent, 0o755, links);
  const target = withParent(rootFd, parent, (parentFd) => {
    if (bind().mknodat(parentFd, name, mode, dev) === 0) return undefined;
    const mknodErrno = lastErrno();
    const link = mknodErrno === os.constants.errno.EEXIST && !existsInRoot(rootFd, relative) ? readlinkAt(parentFd, name) : undefined;
    if (link === undefined) throw new SysError('mknodat', mknodErrno, `/${relative}`);
    return link;
  });
  if (target === undefined) return;
  if (links >= MAX_SYMLINKS) throw new SysError('mknodat', os.constants.errno.ELOOP, `/${relative}`);
  const resolved = path.posix.isAbsolute(target) ? target : path.posix.join('/', parent, target);
  mknodFollowing(rootFd, inRootPath(resolved), mode, dev, links + 1);
}

/** Whether `file` exists inside the root (symlinks followed inside it); other errors are thrown. */
export function existsInRoot(rootFd: number, file: string): boolean {
  try {
    fs.closeSync(openInRoot(rootFd, file, O_PATH));
    return true;
  } catch (error) {
    if (error instanceof SysError && error.code === 'ENOENT') return false;
    throw error;
  }
}

function withParent<T>(rootFd: number, parent: string, use: (parentFd: number) => T): T {
  const parentFd = openInRoot(rootFd, parent, O_PATH | O_DIRECTORY);
  try {
    return use(parentFd);
  } finally {
    fs.closeSync(parentFd);
  }
}

// Lexically normalised and relative, so `/../x` is `x`: openat2 would clamp it too, but the
// basename handed to mkdirat/mknodat must be a plain name, never `..`.
function inRootPath(file: string): string {
  const normal = path.posix.normalize(`/${file}`).slice(1);
  if (normal.includes('\0')) throw new InvalidArgumentError(`path ${JSON.stringify(file)} holds a NUL byte`);
  return normal === '' ? '.' : normal;
}
