import fs from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { mount } from '@layerctl/sys';
import { scratchDir, unmountInTeardown } from '@layerctl/sys/testing';
import { writeAll } from './write-all.ts';

const SMALL_FS_BYTES = 64 * 1024;

/** A tmpfs of SMALL_FS_BYTES, where a bigger write(2) writes what fits and returns a short count. */
function smallFilesystem(t: ExecutionContext): string {
  const dir = path.join(scratchDir(t), 'small');
  fs.mkdirSync(dir);
  mount('tmpfs', dir, 'tmpfs', 0, `size=${SMALL_FS_BYTES}`);
  unmountInTeardown(t, dir);
  return dir;
}

test('a write that does not fit fails with ENOSPC instead of stopping short in silence', async (t) => {
  const handle = await open(path.join(smallFilesystem(t), 'f'), 'w');
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
