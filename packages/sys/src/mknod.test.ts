import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { major, makedev, minor } from './device-number.ts';
import { InvalidArgumentError, SysError } from './errors.ts';
import { S_IFBLK, S_IFCHR, S_IFIFO, S_IFMT, S_IFREG } from './file-types.ts';
import { mknod } from './mknod.ts';
import { scratchDir } from './testing/scratch.ts';

test('a char device 0/0 (overlayfs whiteout) is made with device number 0', (t) => {
  const p = path.join(scratchDir(t), 'whiteout');
  mknod(p, S_IFCHR | 0o000);
  const st = fs.lstatSync(p);
  t.true(st.isCharacterDevice());
  t.is(st.rdev, 0);
});

test('a char device with a minor above 255 keeps its major and minor', (t) => {
  const p = path.join(scratchDir(t), 'dev-1-300');
  mknod(p, S_IFCHR | 0o600, 1, 300);
  const st = fs.lstatSync(p);
  t.true(st.isCharacterDevice());
  t.is(st.mode & S_IFMT, S_IFCHR);
  t.is(major(st.rdev), 1);
  t.is(minor(st.rdev), 300);
  t.is(BigInt(st.rdev), makedev(1, 300));
});

test('a block device at the top of the kernel range keeps its numbers', (t) => {
  const p = path.join(scratchDir(t), 'blk');
  mknod(p, S_IFBLK | 0o600, 4095, 0xfffff);
  const st = fs.lstatSync(p);
  t.true(st.isBlockDevice());
  t.is(major(st.rdev), 4095);
  t.is(minor(st.rdev), 0xfffff);
});

test('a FIFO and a regular file are made', (t) => {
  const dir = scratchDir(t);
  mknod(path.join(dir, 'fifo'), S_IFIFO | 0o644);
  mknod(path.join(dir, 'file'), S_IFREG | 0o644);
  t.true(fs.lstatSync(path.join(dir, 'fifo')).isFIFO());
  t.true(fs.lstatSync(path.join(dir, 'file')).isFile());
});

test('a device number beyond the kernel 12-bit major or 20-bit minor is refused, not truncated', (t) => {
  const p = path.join(scratchDir(t), 'too-big');
  t.throws(() => mknod(p, S_IFCHR | 0o600, 4096, 0), { instanceOf: InvalidArgumentError });
  t.throws(() => mknod(p, S_IFCHR | 0o600, 1, 0x100000), { instanceOf: InvalidArgumentError });
  t.false(fs.existsSync(p));
});

test('mknod over an existing name fails with EEXIST naming the path', (t) => {
  const p = path.join(scratchDir(t), 'taken');
  fs.writeFileSync(p, '');
  const err = t.throws(() => mknod(p, S_IFIFO | 0o644), { instanceOf: SysError });
  t.is(err?.message, `mknod ${p}: EEXIST`);
});
