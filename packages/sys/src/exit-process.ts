import { lazyBinding } from './libc.ts';

interface ExitBinding {
  _exit(status: number): void;
}

const binding = lazyBinding<ExitBinding>((lib) => ({ _exit: lib.func('void _exit(int status)') }));

/**
 * Ends the process at once with `status` (_exit(2), the exit_group system call): no exit
 * handlers, no flushing of Node's streams, no event-loop teardown. For a process under a seccomp
 * filter that refuses io_uring (Docker's default profile does): process.exit() and a return to
 * the event loop call io_uring_enter on the way out, and libuv aborts (SIGABRT, status 134) when
 * it is refused. Write what must be said with fs.writeSync first.
 */
export function exitProcess(status: number): never {
  binding()._exit(status);
  // _exit does not return; this satisfies the type checker.
  throw new RangeError('_exit returned');
}
