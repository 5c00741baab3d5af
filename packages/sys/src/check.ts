import { SysError } from './errors.ts';
import { lastErrno } from './libc.ts';

/** Every libc call goes through this, so -1 always becomes a SysError naming the call and the path. */
export function check(ret: number, call: string, path?: string): number {
  if (ret === -1) throw new SysError(call, lastErrno(), path);
  return ret;
}
