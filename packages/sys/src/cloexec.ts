import { check } from './check.ts';
import { lazyBinding } from './libc.ts';

const F_GETFD = 1;
const F_SETFD = 2;
const FD_CLOEXEC = 1;

interface FcntlLibc {
  /** Variadic like the C function: the third argument is a koffi type followed by its value. */
  fcntl(fd: number, cmd: number, ...typedArgs: unknown[]): number;
}

const bind = lazyBinding(
  (lib): FcntlLibc => ({
    fcntl: lib.func('int fcntl(int fd, int cmd, ...)'),
  }),
);

/** Whether the descriptor is closed on exec (FD_CLOEXEC). */
export function isCloexec(fd: number): boolean {
  return (check(bind().fcntl(fd, F_GETFD), 'fcntl F_GETFD', `fd ${fd}`) & FD_CLOEXEC) !== 0;
}

/** Sets or clears FD_CLOEXEC on a descriptor, keeping its other descriptor flags. */
export function setCloexec(fd: number, on = true): void {
  const flags = check(bind().fcntl(fd, F_GETFD), 'fcntl F_GETFD', `fd ${fd}`);
  const next = on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
  check(bind().fcntl(fd, F_SETFD, 'int', next), 'fcntl F_SETFD', `fd ${fd}`);
}
