import { check } from './check.ts';
import { lazyBinding } from './libc.ts';

interface DupLibc {
  dup3(oldFd: number, newFd: number, flags: number): number;
}

const bind = lazyBinding(
  (lib): DupLibc => ({
    dup3: lib.func('int dup3(int oldfd, int newfd, int flags)'),
  }),
);

/**
 * Makes `newFd` refer to what `oldFd` does (dup3 with no flags, so `newFd` is inherited across
 * exec), closing whatever `newFd` was first. The daemon's worker puts a client's stdio on 0, 1 and 2
 * this way before any of Node's stdio streams exists.
 */
export function dupOnto(oldFd: number, newFd: number): void {
  check(bind().dup3(oldFd, newFd, 0), 'dup3', `fd ${oldFd} onto ${newFd}`);
}
