import { check } from './check.ts';
import { NotSupportedError } from './errors.ts';
import { lazyBinding } from './libc.ts';

/**
 * Namespaces: unshare(2), setns(2), pivot_root(2), sethostname(2).
 *
 * Node is multithreaded, and these calls act on the calling thread only: after unshare() through
 * koffi only Node's main thread is in the new namespaces, while libuv's threads (which run every
 * async fs call) stay behind. Code that unshares must do its file work with sync calls.
 * unshare(CLONE_NEWUSER) is refused outright (EINVAL) in a multithreaded process.
 */

/** A new mount namespace (the flag's historic name: "new namespace"). */
export const CLONE_NEWNS = 0x00020000;
/** A new cgroup namespace: the current cgroups become the root of /proc/self/cgroup. */
export const CLONE_NEWCGROUP = 0x02000000;
/** A new UTS namespace: hostname and domain name. */
export const CLONE_NEWUTS = 0x04000000;
/** A new IPC namespace: System V IPC and POSIX message queues. */
export const CLONE_NEWIPC = 0x08000000;
/** A new user namespace (refused to a multithreaded caller such as Node). */
export const CLONE_NEWUSER = 0x10000000;
/** A new PID namespace for the caller's children; the first child becomes its PID 1. */
export const CLONE_NEWPID = 0x20000000;
/** A new network namespace, holding only a loopback device, down. */
export const CLONE_NEWNET = 0x40000000;
/** A new time namespace for the caller's children. */
export const CLONE_NEWTIME = 0x00000080;

// glibc has no pivot_root wrapper; this is its number on x86_64 (and its place in the generic table
// differs), so it is looked up by architecture.
const SYS_PIVOT_ROOT: Partial<Record<string, number>> = { x64: 155, arm64: 41 };

interface NamespaceLibc {
  unshare(flags: number): number;
  setns(fd: number, nstype: number): number;
  sethostname(name: string, len: number): number;
  /** Variadic: each argument after the number is a koffi type followed by its value. */
  syscall(number: number, ...typedArgs: unknown[]): number;
}

const bind = lazyBinding(
  (lib): NamespaceLibc => ({
    unshare: lib.func('int unshare(int flags)'),
    setns: lib.func('int setns(int fd, int nstype)'),
    sethostname: lib.func('int sethostname(const char *name, size_t len)'),
    syscall: lib.func('long syscall(long number, ...)'),
  }),
);

/** unshare(2) with CLONE_NEW* flags, for the calling thread. */
export function unshare(flags: number): void {
  check(bind().unshare(flags), 'unshare', `0x${flags.toString(16)}`);
}

/** setns(2): joins the namespace open at `fd`; `nstype` (a CLONE_NEW* flag, or 0) must match it. */
export function setns(fd: number, nstype: number, what?: string): void {
  check(bind().setns(fd, nstype), 'setns', what ?? `fd ${fd}`);
}

/**
 * pivot_root(2): `newRoot` becomes the root of the calling thread's mount namespace and the old
 * root is put at `putOld`. pivot_root(".", ".") stacks the old root on the new one; the caller
 * then detaches it with umount2(".", MNT_DETACH), which needs no directory for the old root.
 */
export function pivotRoot(newRoot: string, putOld: string): void {
  const number = SYS_PIVOT_ROOT[process.arch];
  if (number === undefined) throw new NotSupportedError(`pivot_root: no system call number known for ${process.arch}`);
  check(bind().syscall(number, 'const char *', newRoot, 'const char *', putOld), 'pivot_root', newRoot);
}

/** sethostname(2) in the caller's UTS namespace. */
export function sethostname(name: string): void {
  check(bind().sethostname(name, Buffer.byteLength(name)), 'sethostname', name);
}
