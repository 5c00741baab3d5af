import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { SysError } from './errors.ts';
import { fsyncDir } from './fsync-dir.ts';
import { scratchDir } from './testing/scratch.ts';

test('a directory is fsynced without error', (t) => {
  const dir = scratchDir(t);
  fs.writeFileSync(path.join(dir, 'new'), '');
  t.notThrows(() => fsyncDir(dir));
});

test('a regular file is refused with ENOTDIR, as O_DIRECTORY demands', (t) => {
  const p = path.join(scratchDir(t), 'file');
  fs.writeFileSync(p, '');
  const err = t.throws(() => fsyncDir(p), { instanceOf: SysError });
  t.is(err?.message, `open ${p}: ENOTDIR`);
});

test('a missing directory fails with a SysError naming it', (t) => {
  const missing = path.join(scratchDir(t), 'missing');
  const err = t.throws(() => fsyncDir(missing), { instanceOf: SysError });
  t.is(err?.code, 'ENOENT');
  t.is(err?.path, missing);
});
