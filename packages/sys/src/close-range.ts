import { check } from './check.ts';
import { lazyBinding } from './libc.ts';

/** close_range flag: mark the descriptors close-on-exec instead of closing them now. */
export const CLOSE_RANGE_CLOEXEC = 1 << 2;
/** The highest descriptor number, as close_range's `last` (an unsigned int). */
export const MAX_FD = 0xffffffff;

interface CloseRangeLibc {
  close_range(first: number, last: number, flags: number): number;
}

const bind = lazyBinding(
  (lib): CloseRangeLibc => ({
    close_range: lib.func('int close_range(unsigned int first, unsigned int last, int flags)'),
  }),
);

/** close_range(2): closes (or with CLOSE_RANGE_CLOEXEC marks close-on-exec) descriptors first..last. */
export function closeRange(first: number, last = MAX_FD, flags = 0): void {
  check(bind().close_range(first, last, flags), 'close_range', `${first}..${last}`);
}
