import { SysError } from './errors.ts';

/**
 * Turns an error thrown by node:fs into the SysError our own calls throw, so callers see one
 * class whichever way a call was made. Anything that is not a system error comes back unchanged.
 * `path` names the file when Node's error does not (fstat, fsync on a descriptor).
 */
export function wrapNodeError(err: unknown, path?: string): unknown {
  if (!(err instanceof Error)) return err;
  const errno = 'errno' in err ? err.errno : undefined;
  const syscall = 'syscall' in err ? err.syscall : undefined;
  if (typeof errno !== 'number' || typeof syscall !== 'string') return err;
  const errPath = 'path' in err && typeof err.path === 'string' ? err.path : path;
  return new SysError(syscall, errno, errPath);
}
