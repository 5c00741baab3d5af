import test from 'ava';
import { errnoDescription, LayerctlError, SysError, UsageError } from './errors.ts';

test('a SysError names the call, the path and the errno', (t) => {
  const err = new SysError('mknod', 1, '/x/y');
  t.is(err.message, 'mknod /x/y: EPERM');
  t.is(err.code, 'EPERM');
  t.true(err instanceof LayerctlError);
});

test('usage errors exit with status 2', (t) => {
  t.is(new UsageError('bad flag').exitCode, 2);
});

test('a SysError may say what failed in the words of its caller and keep the raw failure as its cause', (t) => {
  const raw = new SysError('open', 2, '/out/.save-1-ab');
  const err = new SysError('open', 2, '/out/x.tar', { message: 'save: cannot write /out/x.tar: ENOENT (no such directory)', cause: raw });
  t.is(err.message, 'save: cannot write /out/x.tar: ENOENT (no such directory)');
  t.is(err.code, 'ENOENT');
  t.is(err.path, '/out/x.tar');
  t.is(err.cause, raw);
  t.false('cause' in new SysError('open', 2), 'no cause unless given');
});

test('errnoDescription gives the words of strerror for either sign, and a number when there are none', (t) => {
  t.is(errnoDescription(28), 'no space left on device');
  t.is(errnoDescription(-28), 'no space left on device');
  t.is(errnoDescription(0), 'errno 0');
});
