import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { SysError } from '@layerctl/sys';
import { scratchDir, smallTmpfs } from '@layerctl/sys/testing';
import { SaveTarget } from './save-target.ts';

async function* chunks(...parts: Buffer[]): AsyncGenerator<Buffer> {
  yield* parts;
}

/** Everything in `dir` but the names in `except`: what a save left behind. */
function leftIn(dir: string, except: string[] = []): string[] {
  return fs.readdirSync(dir).filter((name) => !except.includes(name));
}

async function save(target: string, archive: AsyncIterable<Buffer>): Promise<void> {
  const output = await SaveTarget.open(target);
  try {
    await output.write(archive);
  } finally {
    await output.discard();
  }
}

test('a complete write lands at the target, readable by all, with nothing else left', async (t) => {
  const dir = scratchDir(t);
  const target = path.join(dir, 'out.tar');
  await save(target, chunks(Buffer.from('first '), Buffer.from('second')));
  t.is(fs.readFileSync(target, 'utf8'), 'first second');
  t.is(fs.statSync(target).mode & 0o777, 0o644);
  t.deepEqual(leftIn(dir, ['out.tar']), []);
});

test('a missing directory fails at open with a SysError naming the target, not the temporary file', async (t) => {
  const target = path.join(scratchDir(t), 'missing', 'out.tar');
  const error = await t.throwsAsync(SaveTarget.open(target), { instanceOf: SysError });
  t.is(error?.message, `save: cannot write ${target}: ENOENT (no such directory)`);
  t.is(error?.code, 'ENOENT');
  t.is(error?.path, target);
});

test('a target that is a directory is refused at open, before anything is written', async (t) => {
  const dir = scratchDir(t);
  const target = path.join(dir, 'out');
  fs.mkdirSync(target);
  const error = await t.throwsAsync(SaveTarget.open(target), { instanceOf: SysError });
  t.is(error?.message, `save: cannot write ${target}: EISDIR (it is a directory)`);
  t.deepEqual(leftIn(dir, ['out']), []);
});

test('a failing archive source keeps its own error and leaves no file', async (t) => {
  const dir = scratchDir(t);
  async function* failing(): AsyncGenerator<Buffer> {
    yield Buffer.from('half an archive');
    throw new RangeError('the archive broke');
  }
  await t.throwsAsync(save(path.join(dir, 'out.tar'), failing()), { instanceOf: RangeError, message: 'the archive broke' });
  t.deepEqual(leftIn(dir), []);
});

test('a full disk fails with a SysError naming the target and leaves no partial file', async (t) => {
  const dir = smallTmpfs(t, 64 * 1024);
  const target = path.join(dir, 'out.tar');
  const error = await t.throwsAsync(save(target, chunks(Buffer.alloc(1024 * 1024))), { instanceOf: SysError });
  t.is(error?.message, `save: cannot write ${target}: ENOSPC (no space left on device)`);
  t.deepEqual(leftIn(dir), []);
});

test('a target that already exists is replaced whole', async (t) => {
  const dir = scratchDir(t);
  const target = path.join(dir, 'out.tar');
  fs.writeFileSync(target, 'an older, longer archive');
  await save(target, chunks(Buffer.from('new')));
  t.is(fs.readFileSync(target, 'utf8'), 'new');
});
