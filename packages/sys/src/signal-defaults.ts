import { check } from './check.ts';
import { lazyBinding } from './libc.ts';

const SIG_SETMASK = 2;
// The kernel's sigset_t is 8 bytes on Linux; glibc's is 128, which sigprocmask also accepts.
const SIGSET_BYTES = 128;

interface SignalLibc {
  signal(signum: number, handler: null): unknown;
  sigprocmask(how: number, set: Buffer, oldset: null): number;
}

const bind = lazyBinding(
  (lib): SignalLibc => ({
    signal: lib.func('void *signal(int signum, void *handler)'),
    sigprocmask: lib.func('int sigprocmask(int how, const void *set, void *oldset)'),
  }),
);

/**
 * Gives a program about to be exec'd the signal state a shell would: an ignored signal stays
 * ignored across execve, and Node ignores SIGPIPE (so `yes | head` would never end by it), so
 * the named signals go back to SIG_DFL and the calling thread's signal mask is emptied.
 */
export function resetSignalsForExec(signals: readonly number[]): void {
  for (const signum of signals) bind().signal(signum, null);
  check(bind().sigprocmask(SIG_SETMASK, Buffer.alloc(SIGSET_BYTES), null), 'sigprocmask');
}
