import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { InvalidArgumentError, SysError } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { inputName, inputStream } from './input-stream.ts';

async function text(source: AsyncIterable<Buffer>): Promise<string> {
  let all = '';
  for await (const chunk of source) all += chunk.toString();
  return all;
}

test('a file is read as a stream of its bytes', async (t) => {
  const file = path.join(scratchDir(t), 'in.tar');
  fs.writeFileSync(file, 'archive bytes');
  t.is(await text(await inputStream(file)), 'archive bytes');
});

test('a missing file fails at once with one line naming it', async (t) => {
  const missing = path.join(scratchDir(t), 'missing.tar');
  const error = await t.throwsAsync(inputStream(missing), { instanceOf: SysError });
  t.is(error?.message, `open ${missing}: ENOENT`);
  t.is(error?.path, missing);
});

test('a directory is refused, naming it', async (t) => {
  const dir = scratchDir(t);
  await t.throwsAsync(inputStream(dir), { instanceOf: InvalidArgumentError, message: `${dir} is a directory, not an archive` });
});

test('messages name stdin for a dash', (t) => {
  t.is(inputName('-'), 'stdin');
  t.is(inputName('/x.tar'), '/x.tar');
});
