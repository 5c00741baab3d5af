import { SysError } from './errors.ts';
import { lastErrno, lazyBinding } from './libc.ts';

interface ExecveLibc {
  execve(file: string, argv: (string | null)[], envp: (string | null)[]): number;
}

const bind = lazyBinding(
  (lib): ExecveLibc => ({
    execve: lib.func('int execve(const char *path, const char **argv, const char **envp)'),
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
