import test from 'ava';
import { setgroups, setresgid, setresuid } from './credentials.ts';
import { InvalidArgumentError } from './errors.ts';

// Only refusals run here: a successful call would change the test worker's identity for good
// (executor's security tests make the real calls in child processes).
test('ids the kernel cannot take, or would read as "unchanged" (-1), are refused before the call', (t) => {
  t.throws(() => setresuid(-1), { instanceOf: InvalidArgumentError, message: /uid -1/ });
  t.throws(() => setresuid(0xffffffff), { instanceOf: InvalidArgumentError });
  t.throws(() => setresgid(1.5), { instanceOf: InvalidArgumentError, message: /gid 1.5/ });
  t.throws(() => setgroups([10, -3]), { instanceOf: InvalidArgumentError, message: /supplementary gid -3/ });
});
