import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { SysError } from './errors.ts';
import { MS_BIND, MS_NODEV, MS_NOSUID, MS_RDONLY, MS_REMOUNT } from './mount-flags.ts';
import { mount, umount2 } from './mount.ts';
import { fsTypeAt, mountPoints } from './mount-points.ts';
import { scratchDir, unmountInTeardown } from './testing/scratch.ts';

test('a tmpfs mount shows in mountinfo, holds files, and is gone after umount2', (t) => {
  const target = path.join(scratchDir(t), 'mnt');
  fs.mkdirSync(target);
  mount('tmpfs', target, 'tmpfs', MS_NOSUID | MS_NODEV, 'size=1m,mode=0700');
  unmountInTeardown(t, target);

  t.is(fsTypeAt(target), 'tmpfs');
  t.is(fs.statSync(target).mode & 0o777, 0o700, 'the data string reached the filesystem');
  fs.writeFileSync(path.join(target, 'file'), 'on the tmpfs');

  umount2(target);
  t.false(mountPoints().includes(target));
  t.false(fs.existsSync(path.join(target, 'file')), 'the file lived on the unmounted tmpfs');
});

test('a read-only bind remount refuses writes with EROFS while the source stays writable', (t) => {
  const dir = scratchDir(t);
  const source = path.join(dir, 'source');
  const target = path.join(dir, 'target');
  fs.mkdirSync(source);
  fs.mkdirSync(target);
  mount(source, target, null, MS_BIND);
  unmountInTeardown(t, target);
  mount('none', target, null, MS_REMOUNT | MS_BIND | MS_RDONLY);

  t.throws(() => fs.writeFileSync(path.join(target, 'denied'), 'x'), { code: 'EROFS' });
  fs.writeFileSync(path.join(source, 'allowed'), 'x');
  t.true(fs.existsSync(path.join(target, 'allowed')), 'the bind mount shows the same tree');
});

test('mounting on a missing directory fails with a SysError naming the path and ENOENT', (t) => {
  const missing = path.join(scratchDir(t), 'missing');
  const err = t.throws(() => mount('tmpfs', missing, 'tmpfs', 0), { instanceOf: SysError });
  t.is(err?.message, `mount ${missing}: ENOENT`);
  t.is(err?.code, 'ENOENT');
  t.is(err?.call, 'mount');
  t.is(err?.path, missing);
});

test('unmounting a directory that is not a mount point fails with EINVAL', (t) => {
  const dir = scratchDir(t);
  const err = t.throws(() => umount2(dir), { instanceOf: SysError });
  t.is(err?.message, `umount2 ${dir}: EINVAL`);
});
