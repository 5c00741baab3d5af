/**
 * Interop with GNU tar (/usr/bin/tar): archives it makes read back right, and archives we make
 * it lists and extracts exactly. Runs the real tar on scratch trees in /dev/shm (tmpfs keeps
 * user.* xattrs).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import test from 'ava';
import { scratchDir } from '@layerctl/sys/testing';
import { collect } from '../../testing/byte-streams.ts';
import { readTar } from './tar-reader.ts';
import { tarHeader, type TarHeader } from './tar-header.ts';
import { writeTar, type TarInput } from './tar-writer.ts';

const TAR = '/usr/bin/tar';
const XATTR_VALUE = Buffer.from([0x00, 0xff, 0x01, 0x0a, 0x3d]);
const LONG_DIR = 'a-directory-name-long-enough-to-need-care/'.repeat(4);
const LONG_NAME = `${LONG_DIR}${'f'.repeat(90)}.txt`;

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' } });
}

/** A tree with a user.* xattr, a long name, a hardlink, a symlink and a fifo, with a nanosecond mtime. */
function makeTree(root: string): void {
  fs.mkdirSync(path.join(root, LONG_DIR), { recursive: true });
  fs.writeFileSync(path.join(root, 'file.txt'), 'hello from GNU tar\n');
  fs.chmodSync(path.join(root, 'file.txt'), 0o4751);
  run('setfattr', ['-n', 'user.blob', '-v', `0x${XATTR_VALUE.toString('hex')}`, path.join(root, 'file.txt')]);
  run('touch', ['-h', '-d', '@1234567890.123456789', path.join(root, 'file.txt')]);
  fs.writeFileSync(path.join(root, LONG_NAME), 'long\n');
  fs.linkSync(path.join(root, 'file.txt'), path.join(root, 'hard'));
  fs.symlinkSync('file.txt', path.join(root, 'sym'));
  run('mkfifo', ['-m', '0610', path.join(root, 'fifo')]);
}

async function readFile(tarPath: string): Promise<Map<string, { header: TarHeader; body: string }>> {
  const entries = new Map<string, { header: TarHeader; body: string }>();
  for await (const { header, body } of readTar(fs.createReadStream(tarPath))) {
    entries.set(header.name, { header, body: (await collect(body)).toString() });
  }
  return entries;
}

test('a tar made by GNU tar --xattrs --format=pax reads back right', async (t) => {
  const dir = scratchDir(t);
  const root = path.join(dir, 'tree');
  makeTree(root);
  const tarPath = path.join(dir, 'gnu.tar');
  run(TAR, ['--xattrs', '--format=pax', '-cf', tarPath, '-C', root, 'file.txt', 'hard', 'sym', 'fifo', LONG_NAME]);
  const entries = await readFile(tarPath);
  const stat = fs.lstatSync(path.join(root, 'file.txt'), { bigint: true });
  const file = entries.get('file.txt');
  t.is(file?.header.type, 'file');
  t.is(file?.header.mode, 0o4751);
  t.is(file?.header.mtimeNs, stat.mtimeNs);
  t.is(file?.header.mtimeNs, 1_234_567_890_123_456_789n);
  t.is(file?.header.uid, Number(stat.uid));
  t.is(file?.body, 'hello from GNU tar\n');
  t.deepEqual(file?.header.xattrs.get('user.blob'), XATTR_VALUE);
  t.like(entries.get('hard')?.header, { type: 'hardlink', linkname: 'file.txt', size: 0 });
  t.like(entries.get('sym')?.header, { type: 'symlink', linkname: 'file.txt' });
  t.like(entries.get('fifo')?.header, { type: 'fifo', mode: 0o610 });
  t.is(entries.get(LONG_NAME)?.body, 'long\n');
});

test('a GNU-format tar with long names (L), long links (K) and base-256 ids reads back right', async (t) => {
  const dir = scratchDir(t);
  const root = path.join(dir, 'tree');
  makeTree(root);
  const target = `${LONG_DIR}target`;
  fs.symlinkSync(target, path.join(root, 'long-link'));
  const tarPath = path.join(dir, 'gnu-format.tar');
  run(TAR, ['--format=gnu', '--owner=big:4294967294', '--group=big:3000000', '-cf', tarPath, '-C', root, 'file.txt', 'long-link', LONG_NAME]);
  t.true(fs.readFileSync(tarPath).includes('././@LongLink'), 'GNU tar used L/K entries');
  const entries = await readFile(tarPath);
  t.is(entries.get(LONG_NAME)?.body, 'long\n');
  t.like(entries.get('long-link')?.header, { type: 'symlink', linkname: target });
  t.like(entries.get('file.txt')?.header, { uid: 4294967294, gid: 3000000, uname: 'big', gname: 'big', mode: 0o4751 });
});

test('a v7 tar made by GNU tar reads back with its directories', async (t) => {
  const dir = scratchDir(t);
  fs.mkdirSync(path.join(dir, 'tree', 'sub'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'tree', 'sub', 'f'), 'v7');
  run(TAR, ['--format=v7', '-cf', path.join(dir, 'v7.tar'), '-C', path.join(dir, 'tree'), 'sub']);
  const entries = await readFile(path.join(dir, 'v7.tar'));
  t.like(entries.get('sub')?.header, { type: 'directory', uname: '' });
  t.is(entries.get('sub/f')?.body, 'v7');
});

const WRITTEN: TarInput[] = [
  { header: tarHeader({ name: 'etc', type: 'directory', mode: 0o755, uid: 0, gid: 0, uname: 'root', gname: 'root', mtimeNs: 4_102_444_800_000_000_000n }) },
  {
    header: tarHeader({
      name: 'etc/secret', type: 'file', mode: 0o4750, uid: 4294967294, gid: 262144, uname: 'alice', gname: 'staff', size: 6,
      mtimeNs: 1_234_567_890_123_456_789n, xattrs: new Map([['user.blob', XATTR_VALUE]]),
    }),
    body: Buffer.from('secret'),
  },
  { header: tarHeader({ name: 'tmp', type: 'directory', mode: 0o1777, uid: 2097152, gid: 2097152 }) },
  { header: tarHeader({ name: 'etc/link', type: 'symlink', mode: 0o777, linkname: `../${LONG_NAME}` }) },
  { header: tarHeader({ name: LONG_NAME, type: 'file', mode: 0o600, size: 2 }), body: Buffer.from('ok') },
  { header: tarHeader({ name: 'etc/hard', type: 'hardlink', linkname: 'etc/secret' }) },
  { header: tarHeader({ name: 'pipe', type: 'fifo', mode: 0o640 }) },
];

test('a tar we write is listed by GNU tar -tvf with the right names, modes and owners', async (t) => {
  const dir = scratchDir(t);
  const tarPath = path.join(dir, 'ours.tar');
  await pipeline(writeTar(WRITTEN), fs.createWriteStream(tarPath));
  const lines = run(TAR, ['-tvf', tarPath]).trimEnd().split('\n');
  t.deepEqual(lines.map((line) => line.split(/\s+/).slice(0, 2)), [
    ['drwxr-xr-x', 'root/root'],
    ['-rwsr-x---', 'alice/staff'],
    ['drwxrwxrwt', '2097152/2097152'],
    ['lrwxrwxrwx', '0/0'],
    ['-rw-------', '0/0'],
    ['h---------', '0/0'],
    ['prw-r-----', '0/0'],
  ]);
  t.true(lines[0]?.endsWith(' 2100-01-01 00:00 etc/'));
  t.true(lines[1]?.endsWith(' 6 2009-02-13 23:31 etc/secret'));
  t.true(lines[3]?.endsWith(` etc/link -> ../${LONG_NAME}`));
  t.true(lines[4]?.endsWith(` ${LONG_NAME}`));
  t.true(lines[5]?.endsWith(' etc/hard link to etc/secret'));
  const numeric = run(TAR, ['--numeric-owner', '-tvf', tarPath]).split('\n');
  t.regex(numeric[1] ?? '', /^-rwsr-x--- 4294967294\/262144 /);
});

test('GNU tar --xattrs -xpf restores what we wrote: xattrs, modes, owners and nanosecond mtimes', async (t) => {
  const dir = scratchDir(t);
  const tarPath = path.join(dir, 'ours.tar');
  const out = path.join(dir, 'out');
  fs.mkdirSync(out);
  await pipeline(writeTar(WRITTEN), fs.createWriteStream(tarPath));
  t.regex(run(TAR, ['--xattrs', '-tvvf', tarPath]), /x: 5 user\.blob/);
  run(TAR, ['--xattrs', '--numeric-owner', '-xpf', tarPath, '-C', out]);
  const dump = run('getfattr', ['--absolute-names', '-n', 'user.blob', '-e', 'hex', path.join(out, 'etc/secret')]);
  t.regex(dump, new RegExp(`user\\.blob=0x${XATTR_VALUE.toString('hex')}`));
  const secret = fs.lstatSync(path.join(out, 'etc/secret'), { bigint: true });
  t.is(Number(secret.mode & 0o7777n), 0o4750);
  t.is(secret.uid, 4294967294n);
  t.is(secret.gid, 262144n);
  t.is(secret.mtimeNs, 1_234_567_890_123_456_789n);
  t.is(secret.ino, fs.lstatSync(path.join(out, 'etc/hard'), { bigint: true }).ino);
  t.is(Number(fs.lstatSync(path.join(out, 'tmp')).mode & 0o7777), 0o1777);
  t.is(fs.readlinkSync(path.join(out, 'etc/link')), `../${LONG_NAME}`);
  t.is(fs.readFileSync(path.join(out, LONG_NAME), 'utf8'), 'ok');
  t.true(fs.lstatSync(path.join(out, 'pipe')).isFIFO());
});
