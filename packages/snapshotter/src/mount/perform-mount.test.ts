import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { MS_BIND, MS_NODEV, MS_RDONLY, MS_REC, NotSupportedError, SysError } from '@layerctl/sys';
import { fsTypeAt, mountPoints, scratchDir, unmountInTeardown } from '@layerctl/sys/testing';
import { MOUNT_DATA_MAX, mountAll, parseMountOptions, relativeMountOptions, unmountAll } from './perform-mount.ts';

/** Directories `names` under a fresh scratch dir, each holding a file of its own name. */
function dirs(t: Parameters<typeof scratchDir>[0], ...names: string[]): string[] {
  const root = scratchDir(t);
  return names.map((name) => {
    const dir = path.join(root, name);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, name), name);
    return dir;
  });
}

function mountCount(target: string): number {
  return mountPoints().filter((m) => m === target).length;
}

test('flag words become MS_* flags and every other option goes to the data string', (t) => {
  t.deepEqual(parseMountOptions(['ro', 'nodev', 'rbind', 'lowerdir=a:b', 'userxattr']), {
    flags: MS_RDONLY | MS_NODEV | MS_BIND | MS_REC,
    data: ['lowerdir=a:b', 'userxattr'],
  });
});

test('a tmpfs mount gets its data string and unmountAll takes it off', (t) => {
  const [target = ''] = dirs(t, 'mnt');
  unmountInTeardown(t, target);
  mountAll([{ type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'mode=0705', 'size=1m'] }], target);
  t.is(fsTypeAt(target), 'tmpfs');
  t.is(fs.statSync(target).mode & 0o777, 0o705);
  unmountAll(target);
  t.is(mountCount(target), 0);
});

test('a read-only bind mount shows the source and refuses writes with EROFS', (t) => {
  const [source = '', target = ''] = dirs(t, 'source', 'target');
  unmountInTeardown(t, target);
  mountAll([{ type: 'bind', source, options: ['rbind', 'ro'] }], target);
  t.true(fs.existsSync(path.join(target, 'source')));
  t.throws(() => fs.writeFileSync(path.join(target, 'new'), 'x'), { code: 'EROFS' });
  fs.writeFileSync(path.join(source, 'still-writable'), 'x');
});

test('an overlay with lowerdir+ options is made through the new mount API, nearest layer first', (t) => {
  const [upper = '', work = '', a = '', b = '', target = ''] = dirs(t, 'upper', 'work', 'a', 'b', 'merged');
  fs.rmSync(path.join(work, 'work'));
  fs.writeFileSync(path.join(a, 'shared'), 'a');
  fs.writeFileSync(path.join(b, 'shared'), 'b');
  unmountInTeardown(t, target);
  mountAll([{ type: 'overlay', source: 'overlay', options: [`lowerdir+=${a}`, `lowerdir+=${b}`, `upperdir=${upper}`, `workdir=${work}`] }], target);
  t.is(fsTypeAt(target), 'overlay');
  t.is(fs.readFileSync(path.join(target, 'shared'), 'utf8'), 'a');
  fs.writeFileSync(path.join(target, 'written'), 'x');
  t.true(fs.existsSync(path.join(upper, 'written')), 'writes go to the upper dir');
});

test('an overlay with a legacy lowerdir= string is made through mount(2)', (t) => {
  const [a = '', b = '', target = ''] = dirs(t, 'a', 'b', 'merged');
  unmountInTeardown(t, target);
  mountAll([{ type: 'overlay', source: 'overlay', options: [`lowerdir=${a}:${b}`, 'ro'] }], target);
  t.deepEqual(fs.readdirSync(target).sort(), ['a', 'b']);
});

test('a failing mount undoes the mounts of the same list made before it', (t) => {
  const [source = '', target = ''] = dirs(t, 'source', 'target');
  unmountInTeardown(t, target);
  const missing = path.join(source, 'missing');
  const err = t.throws(
    () =>
      mountAll(
        [
          { type: 'bind', source, options: ['rbind'] },
          { type: 'overlay', source: 'overlay', options: [`lowerdir+=${missing}`] },
        ],
        target,
      ),
    { instanceOf: SysError },
  );
  t.is(err?.message, `fsconfig lowerdir+=${missing}: ENOENT`);
  t.is(mountCount(target), 0);
});

test('unmountAll takes off every mount stacked on the target', (t) => {
  const [source = '', target = ''] = dirs(t, 'source', 'target');
  unmountInTeardown(t, target);
  mountAll(
    [
      { type: 'tmpfs', source: 'tmpfs', options: [] },
      { type: 'bind', source, options: ['bind', 'ro'] },
    ],
    target,
  );
  t.is(mountCount(target), 2);
  unmountAll(target);
  t.is(mountCount(target), 0);
  t.true(fs.existsSync(path.join(target, 'target')), 'the directory under the mounts is back');
});

test('unmountAll of a directory that is no mount point, or of a missing path, does nothing', (t) => {
  const [dir = ''] = dirs(t, 'plain');
  t.notThrows(() => unmountAll(dir));
  t.notThrows(() => unmountAll(path.join(dir, 'missing')));
});

test('path options are made relative to the deepest directory they share', (t) => {
  t.deepEqual(relativeMountOptions(['lowerdir=/r/o/l/A:/r/o/l/B', 'upperdir=/r/o/id/diff', 'workdir=/r/o/id/work', 'index=off', 'ro']), {
    cwd: '/r/o',
    options: ['lowerdir=l/A:l/B', 'upperdir=id/diff', 'workdir=id/work', 'index=off', 'ro'],
  });
  t.deepEqual(relativeMountOptions(['mode=0755']), { cwd: undefined, options: ['mode=0755'] });
});

test('an overlay whose data string is longer than a page mounts with paths relative to their shared directory', (t) => {
  const [home = '', target = ''] = dirs(t, 'a-directory-with-a-rather-long-name-to-fill-the-page', 'merged');
  const links = path.join(home, 'l');
  fs.mkdirSync(links);
  const lowers = Array.from({ length: 128 }, (_, i) => {
    const lower = path.join(links, `LAYER${String(i).padStart(21, '0')}`);
    fs.mkdirSync(lower);
    fs.writeFileSync(path.join(lower, `file-${i}`), String(i));
    return lower;
  });
  const options = [`lowerdir=${lowers.join(':')}`, 'ro'];
  t.true((options[0] ?? '').length > MOUNT_DATA_MAX, 'the absolute form does not fit in a page');
  unmountInTeardown(t, target);
  mountAll([{ type: 'overlay', source: 'overlay', options }], target);
  t.is(fsTypeAt(target), 'overlay');
  t.is(fs.readdirSync(target).length, 128);
  t.throws(() => fs.writeFileSync(path.join(target, 'new'), 'x'), { code: 'EROFS' });
});

test('a data string that does not fit a page even with relative paths is refused naming the size', (t) => {
  const [target = ''] = dirs(t, 'merged');
  const lowers = Array.from({ length: 200 }, (_, i) => `/x/${String(i).padStart(30, '0')}`);
  const err = t.throws(() => mountAll([{ type: 'overlay', source: 'overlay', options: [`lowerdir=${lowers.join(':')}`] }], target), {
    instanceOf: NotSupportedError,
  });
  t.regex(err?.message ?? '', /even with relative paths, more than mount\(2\) takes/);
});
