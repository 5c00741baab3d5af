import test from 'ava';
import { InvalidArgumentError } from '@layerctl/sys';
import { DEFAULT_BASE_SIZE, parseDevmapperOptions, parseSize } from './options.ts';

test('without options the probe picks the backend, devices are 10 GiB of ext4 and the pool is the driver’s own XFS file', (t) => {
  const o = parseDevmapperOptions({});
  t.like(o, { backend: undefined, baseSize: DEFAULT_BASE_SIZE, fs: 'ext4', poolDir: undefined, poolFs: 'xfs' });
  t.is(DEFAULT_BASE_SIZE, 10 * 1024 ** 3);
});

test('options force the backend, size, filesystems and pool', (t) => {
  const o = parseDevmapperOptions({ 'devmapper.backend': 'reflink', 'devmapper.basesize': '20G', 'devmapper.fs': 'xfs', 'devmapper.pool_dir': '/pool', 'devmapper.pool_fs': 'btrfs' });
  t.like(o, { backend: 'reflink', baseSize: 20 * 1024 ** 3, fs: 'xfs', poolDir: '/pool', poolFs: 'btrfs' });
});

test('sizes take binary units as Docker’s dm.basesize does', (t) => {
  t.is(parseSize('k', '512M'), 512 * 1024 ** 2);
  t.is(parseSize('k', '1gb'), 1024 ** 3);
  t.is(parseSize('k', '4096'), 4096);
  t.throws(() => parseSize('devmapper.basesize', 'ten'), { instanceOf: InvalidArgumentError, message: /devmapper.basesize="ten": expected a size/ });
});

test('an unknown option, a bad value, a relative pool dir or a device too small for its filesystem is refused naming it', (t) => {
  t.throws(() => parseDevmapperOptions({ 'dm.basesize': '10G' }), { instanceOf: InvalidArgumentError, message: /unknown option "dm.basesize"/ });
  t.throws(() => parseDevmapperOptions({ 'devmapper.fs': 'btrfs' }), { message: /devmapper.fs="btrfs": expected ext4 or xfs/ });
  t.throws(() => parseDevmapperOptions({ 'devmapper.pool_dir': 'pool' }), { message: /expected an absolute path/ });
  t.throws(() => parseDevmapperOptions({ 'devmapper.fs': 'xfs', 'devmapper.basesize': '100M' }), { message: /too small for xfs/ });
});
