import { check } from './check.ts';
import { libc, type Timespec } from './libc.ts';

/** utimensat's "relative to the current directory" descriptor, from <fcntl.h>. */
const AT_FDCWD = -100;
/** utimensat flag: act on a symlink itself, not on what it points to. */
const AT_SYMLINK_NOFOLLOW = 0x100;

const NS_PER_SECOND = 1_000_000_000n;

/**
 * Sets the access and modification times of `path` itself (a symlink's own, not its target's),
 * to the nanosecond. Node's fs.lutimes takes seconds as a double, which loses the nanoseconds.
 */
export function lutimesNs(path: string, atimeNs: bigint, mtimeNs: bigint): void {
  const times: [Timespec, Timespec] = [timespec(atimeNs), timespec(mtimeNs)];
  check(libc().utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW), 'utimensat', path);
}

/**
 * Sets the access and modification times of the file open at `fd`, to the nanosecond: no path
 * lookup, so a writer that already holds the file open saves one. Node's fs.futimes takes seconds
 * as a double, which loses the nanoseconds.
 */
export function futimensNs(fd: number, atimeNs: bigint, mtimeNs: bigint): void {
  const times: [Timespec, Timespec] = [timespec(atimeNs), timespec(mtimeNs)];
  check(libc().futimens(fd, times), 'futimens', `fd ${fd}`);
}

/** Splits nanoseconds since the epoch by floor division: the kernel wants 0 <= tv_nsec < 1e9, also before 1970. */
function timespec(ns: bigint): Timespec {
  const rest = ((ns % NS_PER_SECOND) + NS_PER_SECOND) % NS_PER_SECOND;
  return { tv_sec: (ns - rest) / NS_PER_SECOND, tv_nsec: Number(rest) };
}
