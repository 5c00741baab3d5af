import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { SysError } from './errors.ts';
import { makeDirectories } from './make-directories.ts';

function scratch(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync('/dev/shm/layerctl-test-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('makeDirectories creates every missing parent with the mode, and accepts a directory that exists', (t) => {
  const dir = path.join(scratch(t), 'a', 'b', 'c');
  makeDirectories(dir, 0o700);
  makeDirectories(dir, 0o700);
  t.true(fs.statSync(dir).isDirectory());
  t.is(fs.statSync(path.dirname(dir)).mode & 0o777, 0o700);
});

test('a directory that cannot be made under an existing parent (/proc) fails instead of looping as Node does', (t) => {
  t.throws(() => makeDirectories('/proc/layerctl-no-such-dir/x', 0o700), { instanceOf: SysError, message: 'mkdir /proc/layerctl-no-such-dir: ENOENT' });
});

test('a file where a directory should be is EEXIST naming it', (t) => {
  const file = path.join(scratch(t), 'file');
  fs.writeFileSync(file, '');
  t.throws(() => makeDirectories(file, 0o700), { instanceOf: SysError, message: `mkdir ${file}: EEXIST` });
  t.throws(() => makeDirectories(path.join(file, 'below'), 0o700), { instanceOf: SysError, message: `mkdir ${path.join(file, 'below')}: ENOTDIR` });
});
