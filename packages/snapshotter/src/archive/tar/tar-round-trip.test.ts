import test from 'ava';
import { InvalidArgumentError } from '@layerctl/sys';
import { collect } from '../../testing/byte-streams.ts';
import { tarHeader, type TarHeader } from './tar-header.ts';
import { writeTar, type TarInput } from './tar-writer.ts';
import { readTar } from './tar-reader.ts';
import { readAll } from './tar-test-support.ts';

/** A security.capability value (VFS_CAP_REVISION_2, cap_net_bind_service) with NULs and high bytes. */
const CAPABILITY = Buffer.from([0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0xff, 0xfe, 0x80, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
const SECOND = 1_000_000_000n;

function file(fields: Partial<TarHeader> & { name: string }, body = Buffer.alloc(0)): TarInput {
  return { header: tarHeader({ type: 'file', ...fields, size: body.length }), body };
}

async function roundTrip(inputs: TarInput[]) {
  const tar = await collect(writeTar(inputs));
  return { tar, entries: await readAll(tar) };
}

const EDGE_CASES: TarInput[] = [
  file({ name: 'empty', mode: 0 }),
  file({ name: 'all-bits', mode: 0o7777, uid: 262144, gid: 2097152 }, Buffer.from('hello\n')),
  file({ name: 'big-ids', uid: 4294967294, gid: 4294967294, uname: 'nobody', gname: 'nogroup' }, Buffer.alloc(513, 7)),
  { header: tarHeader({ name: 'tmp', type: 'directory', mode: 0o1777 }) },
  { header: tarHeader({ name: 'suid-dir', type: 'directory', mode: 0o6755, mtimeNs: 4102444800n * SECOND }) },
  { header: tarHeader({ name: 'epoch', type: 'fifo', mode: 0o600, mtimeNs: 0n }) },
  { header: tarHeader({ name: 'before-epoch', type: 'fifo', mtimeNs: -86400n * SECOND }) },
  { header: tarHeader({ name: 'before-epoch-ns', type: 'fifo', mtimeNs: -1_500_000_000n }) },
  { header: tarHeader({ name: 'nanoseconds', type: 'fifo', mtimeNs: 1_700_000_000_123_456_789n }) },
  { header: tarHeader({ name: 'past-octal', type: 'fifo', mtimeNs: 8_589_934_592n * SECOND + 1n }) },
  { header: tarHeader({ name: 'dev/tty0', type: 'char', mode: 0o620, devmajor: 4, devminor: 0 }) },
  { header: tarHeader({ name: 'dev/big-char', type: 'char', devmajor: 511, devminor: 1048575 }) },
  { header: tarHeader({ name: 'dev/nvme', type: 'block', mode: 0o660, devmajor: 259, devminor: 65536 }) },
  { header: tarHeader({ name: 'link-long', type: 'symlink', mode: 0o777, linkname: `${'t/'.repeat(99)}x!` }) },
  { header: tarHeader({ name: 'hard', type: 'hardlink', linkname: 'all-bits' }) },
  file({ name: 'x'.repeat(100) }, Buffer.from('100')),
  file({ name: `${'p'.repeat(60)}/${'n'.repeat(94)}` }, Buffer.from('155')),
  file({ name: `${'deep/'.repeat(59)}end.x` }, Buffer.from('300')),
  file({ name: 'y'.repeat(120) }, Buffer.from('one long component')),
  file({ name: 'héllo/wörld/日本語.txt', uname: 'jürgen', gname: 'grüppe' }),
  file({ name: 'owner', uname: 'u'.repeat(32), gname: 'g'.repeat(31) }),
  file({ name: 'bin/ping', mode: 0o755, xattrs: new Map([['security.capability', CAPABILITY]]) }, Buffer.from('ELF')),
  file({ name: 'xattrs', xattrs: new Map([['user.empty', Buffer.alloc(0)], ['user.text', Buffer.from('a=b\nc')]]) }),
];

test('every entry type with edge values comes back exactly as written', async (t) => {
  const { entries } = await roundTrip(EDGE_CASES);
  t.is(entries.length, EDGE_CASES.length);
  entries.forEach((entry, i) => {
    const input = EDGE_CASES[i]!;
    t.deepEqual(entry.header, input.header, input.header.name);
    t.deepEqual(entry.body, input.body ?? Buffer.alloc(0), input.header.name);
  });
});

test('mode 0 stays 0 and mode 0o7777 keeps setuid, setgid and sticky', async (t) => {
  const { entries } = await roundTrip([file({ name: 'a', mode: 0 }), file({ name: 'b', mode: 0o7777 })]);
  t.is(entries[0]?.header.mode, 0);
  t.is(entries[1]?.header.mode, 0o7777);
});

test('a binary security.capability value survives byte for byte', async (t) => {
  const input = file({ name: 'ping', xattrs: new Map([['security.capability', CAPABILITY]]) });
  const { entries } = await roundTrip([input]);
  t.true(entries[0]?.header.xattrs.get('security.capability')?.equals(CAPABILITY));
});

test('a header ustar can hold is written without a PAX header', async (t) => {
  const { tar } = await roundTrip([file({ name: 'plain', mode: 0o644, uid: 2097151, mtimeNs: 8_589_934_591n * SECOND }, Buffer.from('x'))]);
  t.is(tar.length, 512 + 512 + 1024);
  t.is(tar.toString('latin1', 156, 157), '0');
});

test('the same headers give the same bytes, whatever order the xattrs were set in', async (t) => {
  const a = file({ name: 'f', xattrs: new Map([['user.a', Buffer.from('1')], ['user.b', Buffer.from('2')]]) });
  const b = file({ name: 'f', xattrs: new Map([['user.b', Buffer.from('2')], ['user.a', Buffer.from('1')]]) });
  const [tarA, tarB] = await Promise.all([collect(writeTar([a])), collect(writeTar([b]))]);
  t.true(tarA.equals(tarB));
  t.false(tarA.includes('atime') || tarA.includes('ctime'));
  t.is(tarA.toString('latin1', 0, 12), 'PaxHeaders/f');
});

test('directories are written with a trailing slash and read back without it', async (t) => {
  const { tar, entries } = await roundTrip([{ header: tarHeader({ name: 'a/b', type: 'directory', mode: 0o755 }) }]);
  t.is(tar.toString('latin1', 0, 4), 'a/b/');
  t.is(entries[0]?.header.name, 'a/b');
});

test('a body that is shorter than header.size fails the stream naming the entry', async (t) => {
  const input = { header: tarHeader({ name: 'short', type: 'file', size: 10 }), body: Buffer.from('abc') };
  const err = await t.throwsAsync(collect(writeTar([input])), { instanceOf: InvalidArgumentError });
  t.regex(err?.message ?? '', /"short".*3 bytes.*header\.size is 10/);
});

test('a streamed body that runs past header.size fails the stream naming the entry', async (t) => {
  async function* body() {
    yield Buffer.alloc(8);
    yield Buffer.alloc(8);
  }
  const input = { header: tarHeader({ name: 'long', type: 'file', size: 10 }), body: body() };
  const err = await t.throwsAsync(collect(writeTar([input])), { instanceOf: InvalidArgumentError });
  t.regex(err?.message ?? '', /"long".*more than 10 bytes/);
});

test('a file with a size and no body fails the stream', async (t) => {
  const input = { header: tarHeader({ name: 'nobody', type: 'file', size: 1 }) };
  await t.throwsAsync(collect(writeTar([input])), { instanceOf: InvalidArgumentError, message: /"nobody"/ });
});

test('header values no tar can hold are refused when writing', async (t) => {
  const bad: Array<[string, Partial<TarHeader>]> = [
    ['negative uid', { uid: -1 }],
    ['fractional mode', { mode: 1.5 }],
    ['file-type bits in mode', { mode: 0o100644 }],
    ['NUL in name', { name: 'a\0b' }],
    ['trailing slash', { name: 'dir/' }],
    ['xattr name with =', { xattrs: new Map([['user.a=b', Buffer.alloc(0)]]) }],
  ];
  for (const [why, fields] of bad) {
    const header = tarHeader({ name: 'entry', type: 'file', ...fields });
    await t.throwsAsync(collect(writeTar([{ header }])), { instanceOf: InvalidArgumentError }, why);
  }
});

test('entries can come from an async generator with streamed bodies', async (t) => {
  async function* entries(): AsyncGenerator<TarInput> {
    for (let i = 0; i < 3; i++) {
      async function* body() {
        yield Buffer.from(`part-${i}-a `);
        yield Buffer.from(`part-${i}-b`);
      }
      yield { header: tarHeader({ name: `f${i}`, type: 'file', size: 17 }), body: body() };
    }
  }
  const read = await readAll(writeTar(entries()));
  t.deepEqual(read.map((e) => e.body.toString()), ['part-0-a part-0-b', 'part-1-a part-1-b', 'part-2-a part-2-b']);
});

test('a size of 8 GiB or more travels in a PAX record', async (t) => {
  const size = 2 ** 33;
  let produced = 0;
  async function* endless(): AsyncGenerator<Buffer> {
    const chunk = Buffer.alloc(64 * 1024);
    for (;;) {
      produced += chunk.length;
      yield chunk;
    }
  }
  const tar = writeTar([{ header: tarHeader({ name: 'huge', type: 'file', size }), body: endless() }]);
  for await (const { header } of readTar(tar)) {
    t.is(header.size, size);
    break;
  }
  t.true(produced < size, 'reading stopped early, so the body was never made whole');
});
