import os from 'node:os';
import path from 'node:path';
import { execve, SysError } from '@layerctl/sys';
import { EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND } from './init-protocol.ts';

/** The PATH a container gets when its environment has none (Docker's). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The program could not be run; exitCode is Docker's 127 (not found) or 126 (not executable). */
export class ExecFailure extends SysError {
  readonly #exitCode: number;

  constructor(call: string, errno: number, file: string, message: string, exitCode: number) {
    super(call, errno, file, { message });
    this.#exitCode = exitCode;
  }

  override get exitCode(): number {
    return this.#exitCode;
  }
}

/**
 * execvp(3) for the container: args[0] with a slash is run as it is, without one it is looked up
 * on the container's PATH (in `env`), trying each directory as execvp does. Returns only by
 * throwing an ExecFailure.
 */
export function execProgram(args: readonly string[], env: readonly string[]): never {
  const program = args[0] ?? '';
  const candidates = program.includes('/') ? [program] : searchPath(env).map((dir) => path.posix.join(dir, program));
  let denied: SysError | undefined;
  for (const file of candidates) {
    try {
      execve(file, args, env);
    } catch (error) {
      if (!(error instanceof SysError)) throw error;
      if (error.code === 'EACCES' || error.code === 'ENOEXEC' || error.code === 'EISDIR') denied ??= error;
      else if (error.code !== 'ENOENT' && error.code !== 'ENOTDIR') throw failure(error, program);
    }
  }
  if (denied !== undefined) throw failure(denied, program);
  const errno = os.constants.errno.ENOENT;
  const where = program.includes('/') ? 'no such file or directory' : 'executable file not found in $PATH';
  throw new ExecFailure('execve', errno, program, `exec ${program}: ${where}`, EXIT_NOT_FOUND);
}

function failure(error: SysError, program: string): ExecFailure {
  const notExecutable = error.code === 'EACCES' || error.code === 'ENOEXEC' || error.code === 'EISDIR';
  const why = error.code === 'ENOEXEC' ? 'exec format error' : error.code === 'EACCES' ? 'permission denied' : error.code;
  const message = `exec ${program}: ${why}${error.path !== undefined && error.path !== program ? ` (${error.path})` : ''}`;
  return new ExecFailure('execve', error.errno, error.path ?? program, message, notExecutable ? EXIT_NOT_EXECUTABLE : EXIT_NOT_FOUND);
}

function searchPath(env: readonly string[]): string[] {
  const entry = env.findLast((e) => e.startsWith('PATH='));
  const value = entry === undefined ? DEFAULT_PATH : entry.slice('PATH='.length);
  // An empty PATH element means the current directory, as in execvp.
  return value.split(':').map((dir) => (dir === '' ? '.' : dir));
}
