import test from 'ava';
import { capLastCap } from './capabilities.ts';
import { SysError } from './errors.ts';
import { capbsetRead, noNewPrivs } from './prctl.ts';

// Only reads: every prctl that sets something is for good (the executor's tests run those in child processes).
test('the test worker has no no_new_privs, holds CAP_CHOWN in its bounding set, and capabilities past the last are EINVAL', (t) => {
  t.false(noNewPrivs());
  t.true(capbsetRead(0));
  const err = t.throws(() => capbsetRead(capLastCap() + 1), { instanceOf: SysError });
  t.is(err.code, 'EINVAL');
});
