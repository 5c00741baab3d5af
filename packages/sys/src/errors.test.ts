import test from 'ava';
import { SysError, LayerctlError, UsageError } from './errors.ts';

test('a SysError names the call, the path and the errno', (t) => {
  const err = new SysError('mknod', 1, '/x/y');
  t.is(err.message, 'mknod /x/y: EPERM');
  t.is(err.code, 'EPERM');
  t.true(err instanceof LayerctlError);
});

test('usage errors exit with status 2', (t) => {
  t.is(new UsageError('bad flag').exitCode, 2);
});
