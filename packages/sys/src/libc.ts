import { createRequire } from 'node:module';
import type KoffiModule from 'koffi';

type Koffi = typeof KoffiModule;

const LIBC = 'libc.so.6';

/** A `struct timespec` as koffi marshals it; tv_sec is 64-bit on every platform we run on. */
export interface Timespec {
  tv_sec: bigint;
  tv_nsec: number;
}

/**
 * The libc functions layerctl calls, typed once. Each returns what the C function returns:
 * -1 means failure, and `check()` turns that into a SysError with the errno.
 */
export interface Libc {
  mount(source: string, target: string, fstype: string | null, flags: number, data: string | null): number;
  umount2(target: string, flags: number): number;
  mknod(path: string, mode: number, dev: bigint): number;
  lgetxattr(path: string, name: string, value: Buffer | null, size: number): number;
  lsetxattr(path: string, name: string, value: Buffer, size: number, flags: number): number;
  llistxattr(path: string, list: Buffer | null, size: number): number;
  lremovexattr(path: string, name: string): number;
  /** Variadic like the C function: each extra argument is a koffi type followed by its value. */
  ioctl(fd: number, request: number, ...typedArgs: unknown[]): number;
  utimensat(dirfd: number, path: string, times: readonly [Timespec, Timespec], flags: number): number;
  futimens(fd: number, times: readonly [Timespec, Timespec]): number;
}

let loaded: { koffi: Koffi; libc: Libc } | undefined;

/**
 * Loads koffi and libc on first use only: koffi costs ~15 ms to load, and commands such as
 * `layerctl --version` import this package for its error classes without any system call.
 * koffi is required, not imported, so that the load is synchronous and happens here.
 */
function load(): { koffi: Koffi; libc: Libc } {
  if (loaded !== undefined) return loaded;
  const koffi: Koffi = createRequire(import.meta.url)('koffi');
  const lib = koffi.load(LIBC);
  koffi.struct('timespec', { tv_sec: 'int64_t', tv_nsec: 'long' });
  // ssize_t is spelled intptr_t: koffi has no ssize_t, and both are the signed word.
  const libc: Libc = {
    mount: lib.func(
      'int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)',
    ),
    umount2: lib.func('int umount2(const char *target, int flags)'),
    mknod: lib.func('int mknod(const char *path, uint32_t mode, uint64_t dev)'),
    lgetxattr: lib.func('intptr_t lgetxattr(const char *path, const char *name, void *value, size_t size)'),
    lsetxattr: lib.func(
      'int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)',
    ),
    llistxattr: lib.func('intptr_t llistxattr(const char *path, char *list, size_t size)'),
    lremovexattr: lib.func('int lremovexattr(const char *path, const char *name)'),
    ioctl: lib.func('int ioctl(int fd, unsigned long request, ...)'),
    utimensat: lib.func('int utimensat(int dirfd, const char *path, const timespec *times, int flags)'),
    futimens: lib.func('int futimens(int fd, const timespec *times)'),
  };
  loaded = { koffi, libc };
  return loaded;
}

/** The libc bindings, loaded on first call. */
export function libc(): Libc {
  return load().libc;
}

/** The errno the last libc call left; read it right after a call returned -1. */
export function lastErrno(): number {
  return load().koffi.errno();
}

/** A library as koffi loaded it: `func` declares one C function from its prototype. */
export type KoffiLibrary = ReturnType<Koffi['load']>;

/**
 * Declares C functions of `library` (libc unless named) on first use and keeps them: each file of
 * this package that needs calls not in `Libc` binds its own set through this, so the bindings
 * of one idea live beside it and koffi still loads only when a call is made.
 */
export function lazyBinding<T>(declare: (lib: KoffiLibrary, koffi: Koffi) => T, library = LIBC): () => T {
  let bound: T | undefined;
  const binding = (): T => {
    if (bound === undefined) {
      const { koffi } = load();
      bound = declare(koffi.load(library), koffi);
    }
    return bound;
  };
  if (library === LIBC) libcBindings.push(binding);
  return binding;
}

/** The libc bindings of the modules loaded so far, for declareLibcBindings. */
const libcBindings: Array<() => unknown> = [];

/**
 * Declares now every libc binding of the modules loaded so far (koffi parses each prototype, tens
 * of microseconds apiece): a daemon's worker pays that before a command arrives instead of during it.
 * Other libraries (libseccomp) are left to their first use, where a missing one is reported.
 */
export function declareLibcBindings(): void {
  libc();
  for (const binding of libcBindings) binding();
}
