import { Readable } from 'node:stream';
import test from 'ava';
import { FailedPreconditionError, InvalidArgumentError } from '@layerctl/sys';
import { chunked, collect } from '../../testing/byte-streams.ts';
import { BLOCK_SIZE as BLOCK } from './headers.ts';
import { encodePaxRecord, encodePaxRecords } from './pax.ts';
import { readTar } from './tar-reader.ts';
import { tarHeader } from './tar-header.ts';
import { writeTar } from './tar-writer.ts';
import { END, fixChecksum, rawEntry, readAll, UNEVEN_CHUNK } from './tar-test-support.ts';

const name = (text: string) => Buffer.from(text, 'latin1');

function pax(records: Array<[string, string | Buffer]>, typeflag = 'x'): Buffer {
  const body = encodePaxRecords(records.map(([key, value]) => [key, Buffer.isBuffer(value) ? value : Buffer.from(value)]));
  return rawEntry({ name: name('PaxHeaders/x'), typeflag }, body);
}

async function refuses(t: import('ava').ExecutionContext, tar: Buffer, message: RegExp, limits?: { maxMetadataBytes?: number }) {
  await t.throwsAsync(readAll(tar, limits), { instanceOf: InvalidArgumentError, message });
}

const FILE = rawEntry({ name: name('a.txt') }, Buffer.from('hello'));

// Hostile archives: each is refused with an InvalidArgumentError that names the problem.

test('a bad checksum is refused naming the byte offset', async (t) => {
  const tar = Buffer.concat([FILE, rawEntry({ name: name('b') }), END]);
  tar[BLOCK * 2 + 1] = (tar[BLOCK * 2 + 1] ?? 0) ^ 0x01;
  await refuses(t, tar, /tar header at byte offset 1024: bad header checksum/);
});

test('a body cut short is refused naming the entry, whether it is read or skipped', async (t) => {
  const tar = Buffer.concat([rawEntry({ name: name('big') }, Buffer.alloc(1000, 1))]).subarray(0, BLOCK + 700);
  await refuses(t, tar, /tar entry "big" at byte offset 0: archive truncated: body ends after 700 of 1000 bytes/);
  const skipping = async () => {
    for await (const entry of readTar(chunked(tar, UNEVEN_CHUNK))) t.is(entry.header.name, 'big');
  };
  await t.throwsAsync(skipping(), { instanceOf: InvalidArgumentError, message: /body ends after 700 of 1000 bytes/ });
});

test('a header cut short is refused as a partial header', async (t) => {
  await refuses(t, Buffer.concat([FILE, rawEntry({ name: name('b') })]).subarray(0, BLOCK * 2 + 300), /truncated: 300-byte partial header at byte offset 1024/);
});

test('a PAX record whose length field claims 2 GiB is refused, not trusted', async (t) => {
  const body = Buffer.from('2147483648 path=x\n');
  const tar = Buffer.concat([rawEntry({ name: name('PaxHeaders/x'), typeflag: 'x' }, body), FILE, END]);
  await refuses(t, tar, /PAX extended header at byte offset 0: PAX record at byte 0 claims 2147483648 bytes but only 18 remain/);
});

test('a PAX header whose size claims 2 GiB is refused before anything is read', async (t) => {
  const header = rawEntry({ name: name('PaxHeaders/x'), typeflag: 'x', size: 2n ** 31n });
  await refuses(t, Buffer.concat([header, Buffer.alloc(4096)]), /PAX extended header at byte offset 0: 2147483648 bytes of metadata exceed the limit of 1048576 bytes/);
});

test('a giant GNU long name is refused at the metadata limit', async (t) => {
  const longName = Buffer.alloc(2 * 1024 * 1024, 0x61);
  const tar = Buffer.concat([rawEntry({ name: name('././@LongLink'), typeflag: 'L' }, longName), FILE, END]);
  await refuses(t, tar, /GNU long name at byte offset 0: 2097152 bytes of metadata exceed the limit of 1048576 bytes/);
  await refuses(t, tar.subarray(0, BLOCK + 600), /exceed the limit of 512 bytes/, { maxMetadataBytes: 512 });
});

test('a PAX size that is negative is refused', async (t) => {
  await refuses(t, Buffer.concat([pax([['size', '-1']]), FILE, END]), /PAX size is negative: -1/);
});

test('a negative base-256 size or uid in the header itself is refused naming the entry', async (t) => {
  const negative = Buffer.alloc(12, 0xff);
  const entry = rawEntry({ name: name('neg') });
  negative.copy(entry, 124);
  await refuses(t, Buffer.concat([fixChecksum(entry), END]), /tar entry "neg" at byte offset 0: negative size -1/);
  const uid = rawEntry({ name: name('neg-uid'), uid: -2n });
  await refuses(t, Buffer.concat([uid, END]), /tar entry "neg-uid" at byte offset 0: negative uid -2/);
  await refuses(t, Buffer.concat([rawEntry({ name: name('huge-gid'), gid: 1n << 40n }), END]), /gid 1099511627776 is out of range/);
});

test('a NUL inside a name is refused, from PAX or from a GNU long name', async (t) => {
  await refuses(t, Buffer.concat([pax([['path', 'a\0b']]), FILE, END]), /PAX path contains a NUL/);
  const longName = rawEntry({ name: name('././@LongLink'), typeflag: 'L' }, Buffer.from('a\0b\0'));
  await refuses(t, Buffer.concat([longName, FILE, END]), /GNU long name at byte offset 0: the name contains a NUL/);
});

test('a name that is not UTF-8 is refused rather than replaced', async (t) => {
  await refuses(t, Buffer.concat([rawEntry({ name: name('caf\xe9') }), END]), /byte offset 0: name is not valid UTF-8/);
});

test('entry types layerctl cannot represent are refused, saying which', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['S', /typeflag "S" is a GNU sparse file/],
    ['D', /typeflag "D" is a GNU dumpdir/],
    ['V', /typeflag "V" is a GNU volume label/],
    ['M', /typeflag "M" is a GNU multi-volume continuation/],
    ['s', /typeflag "s" is an unknown entry type \(a socket or a vendor extension\)/],
  ];
  for (const [typeflag, message] of cases) {
    await refuses(t, Buffer.concat([rawEntry({ name: name('odd'), typeflag }), END]), message);
  }
  await refuses(t, Buffer.concat([pax([['GNU.sparse.major', '1'], ['GNU.sparse.minor', '0']]), FILE, END]), /"a.txt".*GNU sparse files/);
});

test('two PAX headers for one entry, or metadata with no entry after it, are refused', async (t) => {
  await refuses(t, Buffer.concat([pax([['uid', '1']]), pax([['uid', '2']]), FILE, END]), /a second PAX header for the same entry/);
  await refuses(t, Buffer.concat([pax([['uid', '1']]), END]), /ends after extended headers, before their entry/);
});

test('a partial block of garbage after the last entry is refused', async (t) => {
  await refuses(t, Buffer.concat([FILE, Buffer.alloc(100, 0x41)]), /100-byte partial header at byte offset 1024/);
});

test('a lone zero block followed by a header is refused', async (t) => {
  await refuses(t, Buffer.concat([FILE, Buffer.alloc(BLOCK), FILE, END]), /lone zero block at byte offset 1024 is followed by data/);
});

// Structure: how ends, skipped bodies and old forms are read.

test('an archive that ends right after its last entry, without zero blocks, is read whole', async (t) => {
  const entries = await readAll(Buffer.concat([FILE, rawEntry({ name: name('b') }, Buffer.from('bb'))]));
  t.deepEqual(entries.map((e) => [e.header.name, e.body.toString()]), [['a.txt', 'hello'], ['b', 'bb']]);
});

test('an archive ending in one zero block, or zero padding to a record, is accepted', async (t) => {
  t.is((await readAll(Buffer.concat([FILE, Buffer.alloc(BLOCK)]))).length, 1);
  t.is((await readAll(Buffer.concat([FILE, Buffer.alloc(10240 - BLOCK * 2)]))).length, 1);
});

test('everything after the end blocks is read and dropped, so a hash of the stream covers it', async (t) => {
  let consumed = false;
  async function* input() {
    yield Buffer.concat([FILE, END, Buffer.from('trailing bytes')]);
    consumed = true;
  }
  t.is((await readAll(input())).length, 1);
  t.true(consumed);
});

test('a body the consumer does not read is skipped', async (t) => {
  const tar = Buffer.concat([rawEntry({ name: name('big') }, Buffer.alloc(5000, 1)), FILE, END]);
  const names: string[] = [];
  for await (const { header } of readTar(chunked(tar, 100))) names.push(header.name);
  t.deepEqual(names, ['big', 'a.txt']);
});

test('reading a body after moving on to the next entry fails', async (t) => {
  const tar = Buffer.concat([rawEntry({ name: name('first') }, Buffer.from('1')), FILE, END]);
  const entries = readTar(chunked(tar, UNEVEN_CHUNK));
  const first = await entries.next();
  await entries.next();
  if (first.done === true) return t.fail('no first entry');
  await t.throwsAsync(collect(first.value.body), { instanceOf: FailedPreconditionError, message: /"first".*after the reader moved on/ });
  await entries.return(undefined);
});

test('leaving the loop early closes the input stream', async (t) => {
  const input = Readable.from([Buffer.concat([FILE, FILE, END])], { objectMode: false });
  for await (const entry of readTar(input)) {
    t.is(entry.header.name, 'a.txt');
    break;
  }
  t.true(input.destroyed);
});

test('a PAX global header is skipped and changes nothing', async (t) => {
  const entries = await readAll(Buffer.concat([pax([['uid', '77'], ['path', 'elsewhere']], 'g'), FILE, END]));
  t.is(entries[0]?.header.name, 'a.txt');
  t.is(entries[0]?.header.uid, 1000);
});

test('a global header with no entry after it (as git archive writes for an empty tree) ends cleanly', async (t) => {
  t.deepEqual(await readAll(Buffer.concat([pax([['comment', 'abc123']], 'g'), END])), []);
});

test('a PAX header applies to the next entry only', async (t) => {
  const entries = await readAll(Buffer.concat([pax([['uid', '4294967294'], ['mtime', '1.5']]), FILE, FILE, END]));
  t.deepEqual(entries.map((e) => [e.header.uid, e.header.mtimeNs]), [[4294967294, 1_500_000_000n], [1000, 1_700_000_000_000_000_000n]]);
});

test('GNU long names and long links name the next entry', async (t) => {
  const long = 'd/'.repeat(100) + 'file';
  const target = 't'.repeat(300);
  const tar = Buffer.concat([
    rawEntry({ name: name('././@LongLink'), typeflag: 'L' }, Buffer.from(`${long}\0`)),
    rawEntry({ name: name('././@LongLink'), typeflag: 'K' }, Buffer.from(`${target}\0`)),
    rawEntry({ name: name(long.slice(0, 100)), typeflag: '2', linkname: name(target.slice(0, 100)) }),
    END,
  ]);
  const [entry] = await readAll(tar);
  t.is(entry?.header.name, long);
  t.is(entry?.header.linkname, target);
  t.is(entry?.header.type, 'symlink');
});

test("typeflags '\\0' and '7' are files, and a file-typed name ending in '/' is a directory", async (t) => {
  const tar = Buffer.concat([
    rawEntry({ name: name('old'), typeflag: '\0' }, Buffer.from('v7')),
    rawEntry({ name: name('contiguous'), typeflag: '7' }, Buffer.from('c')),
    rawEntry({ name: name('olddir/'), typeflag: '\0', size: 0n }),
    END,
  ]);
  const entries = await readAll(tar);
  t.deepEqual(entries.map((e) => [e.header.name, e.header.type, e.body.toString()]), [['old', 'file', 'v7'], ['contiguous', 'file', 'c'], ['olddir', 'directory', '']]);
});

test('header-only entries carry no body whatever their size field says', async (t) => {
  const tar = Buffer.concat([rawEntry({ name: name('hard'), typeflag: '1', linkname: name('a.txt'), size: 5n }), FILE, END]);
  const entries = await readAll(tar);
  t.deepEqual(entries.map((e) => [e.header.name, e.header.size]), [['hard', 0], ['a.txt', 5]]);
});

test('names come back without their trailing slashes', async (t) => {
  const tar = Buffer.concat([rawEntry({ name: name('dir//'), typeflag: '5', size: 0n }), rawEntry({ name: name('/'), typeflag: '5', size: 0n }), END]);
  t.deepEqual((await readAll(tar)).map((e) => e.header.name), ['dir', '/']);
});

test('every header field is filled, xattrs an empty Map when there are none', async (t) => {
  const [entry] = await readAll(Buffer.concat([FILE, END]));
  t.deepEqual(entry?.header, tarHeader({
    name: 'a.txt', type: 'file', mode: 0o644, uid: 1000, gid: 1000, uname: 'alice', gname: 'staff', size: 5,
    mtimeNs: 1_700_000_000_000_000_000n,
  }));
});

test('a body arrives in pieces of the input chunks without being gathered', async (t) => {
  const tar = await collect(writeTar([{ header: tarHeader({ name: 'f', type: 'file', size: 3000 }), body: Buffer.alloc(3000, 9) }]));
  for await (const { body } of readTar(chunked(tar, 1000))) {
    const sizes: number[] = [];
    for await (const piece of body) sizes.push(piece.length);
    t.deepEqual(sizes, [488, 1000, 1000, 512]);
  }
});

test('a PAX record split across input chunks is read whole', async (t) => {
  const record = encodePaxRecord('SCHILY.xattr.user.big', Buffer.alloc(5000, 0xab));
  const tar = Buffer.concat([rawEntry({ name: name('PaxHeaders/x'), typeflag: 'x' }, record), FILE, END]);
  const [entry] = await readAll(Buffer.from(tar), undefined);
  t.deepEqual(entry?.header.xattrs.get('user.big'), Buffer.alloc(5000, 0xab));
});

test('with chunkDone, each input chunk is handed back once read past, and headers and bodies read before stay intact when it is reused', async (t) => {
  const files = Array.from({ length: 30 }, (_, i) => ({ name: `dir/file-${i}`, body: Buffer.alloc(100 + i * 97, i + 1) }));
  const tar = await collect(writeTar(files.map(({ name: fileName, body }) => ({ header: tarHeader({ name: fileName, type: 'file', mode: 0o644, size: body.length }), body }))));
  const given: Buffer[] = [];
  const handedBack: Buffer[] = [];
  async function* copies(): AsyncGenerator<Buffer> {
    for await (const chunk of chunked(tar, UNEVEN_CHUNK)) {
      const own = Buffer.from(chunk);
      given.push(own);
      yield own;
    }
  }
  // A source reusing a chunk overwrites it: anything still pointing into it would read 0xee.
  const chunkDone = (chunk: Buffer): void => {
    handedBack.push(chunk);
    chunk.fill(0xee);
  };
  const read: Array<{ name: string; body: Buffer }> = [];
  for await (const { header, body } of readTar(copies(), { chunkDone })) {
    const pieces: Buffer[] = [];
    // Each piece is used up before the next is asked for, as applyLayer does.
    for await (const piece of body) pieces.push(Buffer.from(piece));
    read.push({ name: header.name, body: Buffer.concat(pieces) });
  }
  t.deepEqual(read, files);
  t.true(handedBack.length >= given.length - 1, 'every chunk but the last one read goes back');
  t.true(handedBack.every((chunk, i) => chunk === given[i]), 'in order, each once');
});
