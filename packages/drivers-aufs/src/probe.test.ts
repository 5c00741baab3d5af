import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { InvalidArgumentError, NotSupportedError } from '@layerctl/sys';
import { mountPoints, scratchDir } from '@layerctl/sys/testing';
import { AufsDriver } from './driver.ts';
import { parseAufsOptions } from './driver-options.ts';
import { kernelFilesystems, probe } from './probe.ts';

test('/proc/filesystems lines, nodev or not, give the filesystem names', (t) => {
  const names = kernelFilesystems('nodev\tsysfs\nnodev\ttmpfs\n\text4\nnodev\taufs\nnodev\tfuse\n\tfuseblk\n');
  t.deepEqual([...names].sort(), ['aufs', 'ext4', 'fuse', 'fuseblk', 'sysfs', 'tmpfs']);
  t.false(kernelFilesystems('nodev\toverlay\n').has('aufs'));
});

test('on this host the probe finds no kernel aufs, a working fuse-overlayfs, and leaves nothing mounted or behind', (t) => {
  const root = scratchDir(t);
  const tmp = path.join(root, 'tmp');
  fs.mkdirSync(tmp);
  const found = probe(root, tmp);
  t.false(found.kernelAufs);
  t.is(found.dirperm1, undefined, 'dirperm1 is tried on kernel aufs only');
  t.true(found.fuse.works, found.fuse.works ? '' : found.fuse.why);
  t.is(found.backingFs, 'tmpfs');
  t.deepEqual(fs.readdirSync(tmp), []);
  t.deepEqual(mountPoints().filter((m) => m.startsWith(`${root}/`)), []);
});

test('aufs.mount=kernel is refused with the reason on a kernel without aufs', async (t) => {
  const root = scratchDir(t);
  const driver = new AufsDriver({ root, tmpDir: path.join(root, 'tmp'), options: { 'aufs.mount': 'kernel' } });
  await t.throwsAsync(driver.init(), { instanceOf: NotSupportedError, message: /aufs\.mount=kernel was asked for, but \/proc\/filesystems does not list aufs/ });
});

test('options: aufs.mount takes kernel or fuse, anything else is refused naming the option', (t) => {
  t.deepEqual(parseAufsOptions({ 'aufs.mount': 'fuse' }), { mountPath: 'fuse' });
  t.throws(() => parseAufsOptions({ 'aufs.mount': 'overlay' }), { instanceOf: InvalidArgumentError, message: /aufs\.mount="overlay": expected kernel or fuse/ });
  t.throws(() => parseAufsOptions({ 'aufs.size': '1g' }), { instanceOf: InvalidArgumentError, message: /unknown option "aufs\.size"/ });
});
