import fs from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { scratchDir, smallTmpfs } from '@layerctl/sys/testing';
import { writeAll } from './write-all.ts';

const SMALL_FS_BYTES = 64 * 1024;

test('a write that does not fit fails with ENOSPC instead of stopping short in silence', async (t) => {
  const handle = await open(path.join(smallTmpfs(t, SMALL_FS_BYTES), 'f'), 'w');
  t.teardown(() => handle.close());
  const chunk = Buffer.alloc(4 * SMALL_FS_BYTES, 7);
  t.true((await handle.write(chunk)).bytesWritten < chunk.length, 'one write(2) is short here, without an error');
  await t.throwsAsync(writeAll(handle, chunk), { code: 'ENOSPC' });
});

test('every byte of the chunk is written, in order', async (t) => {
  const file = path.join(scratchDir(t), 'f');
  const handle = await open(file, 'w');
  await writeAll(handle, Buffer.from('first '));
  await writeAll(handle, Buffer.from('second'));
  await handle.close();
  t.is(fs.readFileSync(file, 'utf8'), 'first second');
});
