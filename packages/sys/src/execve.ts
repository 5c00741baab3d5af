import { SysError } from './errors.ts';
import { lastErrno, lazyBinding } from './libc.ts';

interface ExecveLibc {
  execve(file: string, argv: (string | null)[], envp: (string | null)[]): number;
  _exit(status: number): void;
}

const bind = lazyBinding(
  (lib): ExecveLibc => ({
    execve: lib.func('int execve(const char *path, const char **argv, const char **envp)'),
    _exit: lib.func('void _exit(int status)'),
  }),
);

/**
 * execve(2): replaces the process (every thread of it) with `file`. It returns only on failure,
 * so this only ever throws: a SysError with the errno (ENOENT, EACCES, ENOEXEC) naming the file.
 */
export function execve(file: string, argv: readonly string[], env: readonly string[]): never {
  bind().execve(file, [...argv, null], [...env, null]);
  throw new SysError('execve', lastErrno(), file);
}

/**
 * _exit(2): ends the process at once, without Node's exit path (atexit handlers, libuv's loop
 * teardown). For a process that can no longer afford those, e.g. one under a seccomp filter
 * that refuses the io_uring calls libuv makes while closing its loop.
 */
export function exitNow(status: number): never {
  bind()._exit(status);
  throw new SysError('_exit', 0, String(status));
}
