import fs from 'node:fs';
import test from 'ava';
import { closeRange, CLOSE_RANGE_CLOEXEC } from './close-range.ts';
import { isCloexec, setCloexec } from './cloexec.ts';
import { SysError } from './errors.ts';

test('setCloexec sets and clears FD_CLOEXEC, and close_range can mark a range close-on-exec', (t) => {
  const fd = fs.openSync('/dev/null', 'r');
  t.teardown(() => fs.closeSync(fd));
  t.true(isCloexec(fd)); // Node opens everything close-on-exec
  setCloexec(fd, false);
  t.false(isCloexec(fd));
  closeRange(fd, fd, CLOSE_RANGE_CLOEXEC);
  t.true(isCloexec(fd));
});

test('close_range closes the descriptors in its range', (t) => {
  const fd = fs.openSync('/dev/null', 'r');
  closeRange(fd, fd);
  t.throws(() => isCloexec(fd), { instanceOf: SysError, message: `fcntl F_GETFD fd ${fd}: EBADF` });
});
