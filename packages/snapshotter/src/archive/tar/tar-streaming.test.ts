import test from 'ava';
import { readTar } from './tar-reader.ts';
import { tarHeader } from './tar-header.ts';
import { writeTar } from './tar-writer.ts';

const MiB = 1024 * 1024;
const ENTRY_SIZE = 300 * MiB;
/**
 * The bound: a streamed 300 MiB entry may grow the process by at most 64 MiB. What legitimately
 * stays in flight is a few 1 MiB chunks (the producer's, the Readable's 64 KiB buffer, the one
 * being read) plus V8's garbage-collection slack for freed chunks; gathering the entry would
 * cost 300 MiB, so any accidental buffering fails this by far.
 */
const RSS_BOUND = 64 * MiB;

test('a 300 MiB entry streams through writer and reader with flat memory', async (t) => {
  const zeros = Buffer.alloc(MiB);
  async function* body(): AsyncGenerator<Buffer> {
    for (let sent = 0; sent < ENTRY_SIZE; sent += MiB) yield zeros;
  }
  const tar = writeTar([
    { header: tarHeader({ name: 'big', type: 'file', mode: 0o644, size: ENTRY_SIZE }), body: body() },
    { header: tarHeader({ name: 'after', type: 'file', size: 5 }), body: Buffer.from('after') },
  ]);
  const before = process.memoryUsage().rss;
  let peak = before;
  let bytes = 0;
  let nonZero = 0;
  const names: string[] = [];
  for await (const { header, body: content } of readTar(tar)) {
    names.push(header.name);
    for await (const piece of content) {
      bytes += piece.length;
      if (header.name === 'big') nonZero += piece.length - countZeros(piece);
      peak = Math.max(peak, process.memoryUsage().rss);
    }
  }
  t.deepEqual(names, ['big', 'after']);
  t.is(bytes, ENTRY_SIZE + 5);
  t.is(nonZero, 0);
  t.log(`rss grew by ${((peak - before) / MiB).toFixed(1)} MiB`);
  t.true(peak - before < RSS_BOUND, `rss grew by ${((peak - before) / MiB).toFixed(1)} MiB`);
});

const ZEROS = Buffer.alloc(MiB);

function countZeros(piece: Buffer): number {
  let zeros = 0;
  for (let at = 0; at < piece.length; at += MiB) {
    const window = piece.subarray(at, at + MiB);
    if (window.equals(ZEROS.subarray(0, window.length))) zeros += window.length;
  }
  return zeros;
}

test('small entries come out gathered into few chunks, with the same bytes as one entry at a time', async (t) => {
  const entries = Array.from({ length: 2000 }, (_, i) => {
    const body = Buffer.from(`file ${i}\n`.repeat(i % 50));
    return { header: tarHeader({ name: `dir/file-${i}`, type: 'file', mode: 0o644, size: body.length }), body };
  });
  const chunks: Buffer[] = [];
  for await (const chunk of writeTar(entries)) chunks.push(chunk);
  const oneByOne: Buffer[] = [];
  for (const entry of entries) {
    const single = [];
    for await (const chunk of writeTar([entry])) single.push(chunk);
    // Each single-entry tar ends with the two zero blocks; the whole tar has them once.
    oneByOne.push(Buffer.concat(single).subarray(0, -1024));
  }
  oneByOne.push(Buffer.alloc(1024));
  t.true(Buffer.concat(chunks).equals(Buffer.concat(oneByOne)));
  // 2000 entries of headers, bodies and padding would be about 6000 chunks one piece at a time.
  t.true(chunks.length < 20, `${chunks.length} chunks`);
});
