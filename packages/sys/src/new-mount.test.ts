import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { SysError } from './errors.ts';
import {
  closeFd,
  fsconfigCreate,
  fsconfigSetFlag,
  fsconfigSetString,
  fsopen,
  MOUNT_ATTR_NOSUID,
  MOUNT_ATTR_RDONLY,
  mountWithFsconfig,
} from './new-mount.ts';
import { umount2 } from './mount.ts';
import { fsTypeAt, mountPoints } from './mount-points.ts';
import { scratchDir, unmountInTeardown } from './testing/scratch.ts';

test('a tmpfs made through fsopen/fsconfig/fsmount/move_mount is mounted with its options', (t) => {
  const target = path.join(scratchDir(t), 'mnt');
  fs.mkdirSync(target);
  unmountInTeardown(t, target);
  mountWithFsconfig('tmpfs', ['mode=0711', 'size=1m'], target, MOUNT_ATTR_NOSUID);

  t.is(fsTypeAt(target), 'tmpfs');
  t.is(fs.statSync(target).mode & 0o777, 0o711, 'the string option reached the filesystem');
  fs.writeFileSync(path.join(target, 'file'), 'x');
  umount2(target);
  t.false(mountPoints().includes(target));
});

test('a read-only attribute of fsmount makes writes fail with EROFS', (t) => {
  const target = path.join(scratchDir(t), 'mnt');
  fs.mkdirSync(target);
  unmountInTeardown(t, target);
  mountWithFsconfig('tmpfs', [], target, MOUNT_ATTR_RDONLY);
  t.throws(() => fs.writeFileSync(path.join(target, 'denied'), 'x'), { code: 'EROFS' });
});

test('overlay takes lowerdir+ one layer per fsconfig call', (t) => {
  const dir = scratchDir(t);
  const lowers = ['a', 'b'].map((name) => {
    const lower = path.join(dir, name);
    fs.mkdirSync(lower);
    fs.writeFileSync(path.join(lower, name), name);
    return lower;
  });
  fs.writeFileSync(path.join(dir, 'a', 'shared'), 'from a');
  fs.writeFileSync(path.join(dir, 'b', 'shared'), 'from b');
  const target = path.join(dir, 'merged');
  fs.mkdirSync(target);
  unmountInTeardown(t, target);
  mountWithFsconfig('overlay', lowers.map((lower) => `lowerdir+=${lower}`), target);

  t.deepEqual(fs.readdirSync(target).sort(), ['a', 'b', 'shared']);
  t.is(fs.readFileSync(path.join(target, 'shared'), 'utf8'), 'from a', 'the first lowerdir+ is the topmost layer');
  t.throws(() => fs.writeFileSync(path.join(target, 'new'), 'x'), { code: 'EROFS' }, 'no upper dir: read-only');
});

test('a missing lower dir fails fsconfig with a SysError naming the option and ENOENT', (t) => {
  const missing = path.join(scratchDir(t), 'missing');
  const fd = fsopen('overlay');
  t.teardown(() => closeFd(fd));
  const err = t.throws(() => fsconfigSetString(fd, 'lowerdir+', missing), { instanceOf: SysError });
  t.is(err?.message, `fsconfig lowerdir+=${missing}: ENOENT`);
  t.is(err?.call, 'fsconfig');
});

test('an unknown flag option fails fsconfig with EINVAL naming the option', (t) => {
  const fd = fsopen('tmpfs');
  t.teardown(() => closeFd(fd));
  const err = t.throws(() => fsconfigSetFlag(fd, 'no-such-flag'), { instanceOf: SysError });
  t.is(err?.message, 'fsconfig no-such-flag: EINVAL');
});

test('an unknown filesystem type fails fsopen with ENODEV naming the type', (t) => {
  const err = t.throws(() => fsopen('no-such-fs'), { instanceOf: SysError });
  t.is(err?.message, 'fsopen no-such-fs: ENODEV');
});

test('creating an overlay without any lower dir fails naming the filesystem type', (t) => {
  const fd = fsopen('overlay');
  t.teardown(() => closeFd(fd));
  const err = t.throws(() => fsconfigCreate(fd, 'overlay'), { instanceOf: SysError });
  t.is(err?.call, 'fsconfig create');
  t.is(err?.path, 'overlay');
});

test('mountWithFsconfig closes its descriptors when an option is refused, and the error names the option', (t) => {
  const target = path.join(scratchDir(t), 'mnt');
  fs.mkdirSync(target);
  const before = fs.readdirSync('/proc/self/fd').length;
  const err = t.throws(() => mountWithFsconfig('tmpfs', ['size=1m', 'no-such-flag'], target), { instanceOf: SysError });
  t.regex(err?.message ?? '', /^fsconfig no-such-flag: /);
  t.is(fs.readdirSync('/proc/self/fd').length, before);
  t.false(mountPoints().includes(target));
});
