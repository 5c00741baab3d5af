import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { SysError } from './errors.ts';
import { readDirOptional } from './read-dir-optional.ts';
import { scratchDir } from './testing/scratch.ts';

test('a directory lists its entries with their types; a missing one is undefined; a file is an error naming it', (t) => {
  const dir = scratchDir(t);
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.writeFileSync(path.join(dir, 'file'), '');
  const entries = readDirOptional(dir) ?? [];
  t.deepEqual(entries.map((entry) => [entry.name, entry.isDirectory()]).sort(), [['file', false], ['sub', true]]);
  t.is(readDirOptional(path.join(dir, 'missing')), undefined);
  const err = t.throws(() => readDirOptional(path.join(dir, 'file')), { instanceOf: SysError });
  t.regex(err?.message ?? '', /ENOTDIR/);
  t.regex(err?.message ?? '', /file/);
});
