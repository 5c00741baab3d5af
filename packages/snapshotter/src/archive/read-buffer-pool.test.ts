import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { scratchDir } from '@layerctl/sys/testing';
import { ContentStore } from '../content/content-store.ts';
import { sha256Digest } from '../content/digest.ts';
import { collect } from '../testing/byte-streams.ts';
import { chunkReturner } from './chunk-return.ts';
import { writeLayerBlob } from './layer-blob.ts';
import { packTree } from './pack-tree.ts';
import { givePooled, POOLED_BYTES, takePooled } from './read-buffer-pool.ts';

test('a buffer handed back is lent again; a buffer the pool did not lend is never taken in', (t) => {
  const lent = takePooled();
  t.is(lent.length, POOLED_BYTES);
  givePooled(lent.subarray(0, 100));
  givePooled(lent);
  const again = takePooled();
  t.is(again.buffer, lent.buffer, 'the returned buffer is reused');
  const other = takePooled();
  t.not(other.buffer, again.buffer, 'handed back twice, lent once');
  givePooled(Buffer.allocUnsafe(POOLED_BYTES));
  givePooled(other.subarray(1));
  t.not(takePooled().buffer, other.buffer, 'neither a stranger nor a view from the middle comes back');
});

test('packTree read through writeLayerBlob, which hands every chunk back, gives the tar read without handing back', async (t) => {
  const dir = scratchDir(t);
  const tree = path.join(dir, 'tree');
  fs.mkdirSync(path.join(tree, 'sub'), { recursive: true });
  // Small files (copied into batches), mid-sized ones (passed on whole) and one read in pieces.
  for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(tree, `small-${i}`), Buffer.alloc(100 + i * 37, i));
  for (let i = 0; i < 6; i++) fs.writeFileSync(path.join(tree, 'sub', `mid-${i}`), Buffer.alloc(70_000 + i * 50_000, 0x40 + i));
  fs.writeFileSync(path.join(tree, 'sub', 'big'), Buffer.from(Array.from({ length: 3 * POOLED_BYTES + 1234 }, (_, i) => (i * 7) % 251)));
  t.is(typeof chunkReturner(packTree(tree)), 'function', 'the tar stream takes chunks back');
  const expected = sha256Digest(await collect(packTree(tree)));
  const store = ContentStore.open(path.join(dir, 'content'), path.join(dir, 'tmp'));
  for (let round = 0; round < 2; round++) t.is((await writeLayerBlob(store, packTree(tree), 'zstd')).diffId, expected);
});
