import test from 'ava';
import { MOUNT_DATA_MAX } from '@layerctl/snapshotter';
import { InvalidArgumentError } from '@layerctl/sys';
import { kernelAufsMounts } from './kernel-mounts.ts';

const XINO = '/r/tmp/aufs.xino';
/** Branch paths as long as a real root's: /var/lib/layerctl/aufs/diff/<64 hex>. */
const branch = (i: number): string => `/var/lib/layerctl/aufs/diff/${String(i).padStart(64, '0')}`;

test('a writable layer mounts its branch rw over its ancestors ro+wh, nearest first, with xino and dirperm1', (t) => {
  const mounts = kernelAufsMounts({ rw: { diff: '/d/top', work: '/w/top' }, ro: ['/d/parent', '/d/base'], own: '/d/top' }, { xino: XINO, dirperm1: true });
  t.deepEqual(mounts, [{ type: 'aufs', source: 'none', options: ['br:/d/top=rw:/d/parent=ro+wh:/d/base=ro+wh', `xino=${XINO}`, 'dirperm1'] }]);
});

test('dirperm1 is left out when the trial mount refused it', (t) => {
  const [mount] = kernelAufsMounts({ rw: { diff: '/d/top', work: '/w' }, ro: [], own: '/d/top' }, { xino: XINO, dirperm1: false });
  t.deepEqual(mount?.options, ['br:/d/top=rw', `xino=${XINO}`]);
});

test('a read-only layer mounts its ancestors alone, read-only, and one without ancestors binds its own branch read-only', (t) => {
  t.deepEqual(kernelAufsMounts({ ro: ['/d/parent', '/d/base'], own: '/d/view' }, { xino: XINO, dirperm1: false }), [
    { type: 'aufs', source: 'none', options: ['br:/d/parent=ro+wh:/d/base=ro+wh', `xino=${XINO}`, 'ro'] },
  ]);
  t.deepEqual(kernelAufsMounts({ ro: [], own: '/d/view' }, { xino: XINO, dirperm1: false }), [{ type: 'bind', source: '/d/view', options: ['rbind', 'ro'] }]);
});

test('branches past one page of options are added by remounts with append:, each within a page, in order', (t) => {
  const ro = Array.from({ length: 200 }, (_, i) => branch(i));
  const mounts = kernelAufsMounts({ rw: { diff: branch(999), work: '/w' }, ro, own: branch(999) }, { xino: XINO, dirperm1: true });
  const [first, ...remounts] = mounts;
  t.true(remounts.length > 1, 'two hundred 90-byte branches take several pages');
  t.true((first?.options.join(',').length ?? Infinity) <= MOUNT_DATA_MAX, 'the first mount fits one page');
  t.true(first?.options[0]?.startsWith(`br:${branch(999)}=rw:${branch(0)}=ro+wh:`));
  for (const m of remounts) {
    t.is(m.options[0], 'remount');
    t.true(m.options.slice(1).join(',').length <= MOUNT_DATA_MAX, 'each remount fits one page');
  }
  const inFirst = (first?.options[0] ?? '').split(':').slice(2).map((entry) => entry.replace(/=ro\+wh$/, ''));
  const appended = remounts.flatMap((m) => m.options.slice(1)).map((option) => option.replace(/^append:/, '').replace(/=ro\+wh$/, ''));
  t.deepEqual([...inFirst, ...appended], ro, 'every ancestor exactly once, nearest first');
});

test('a page boundary is found exactly: a branch that would pass it goes to a remount', (t) => {
  const pageMax = 60;
  const mounts = kernelAufsMounts({ rw: { diff: '/d/top', work: '/w' }, ro: ['/d/a', '/d/b', '/d/c'], own: '/d/top' }, { xino: '/x', dirperm1: false }, pageMax);
  for (const m of mounts) t.true(m.options.filter((o) => o !== 'remount').join(',').length <= pageMax);
  t.deepEqual(mounts.map((m) => m.options), [
    ['br:/d/top=rw:/d/a=ro+wh:/d/b=ro+wh:/d/c=ro+wh', 'xino=/x'],
  ]);
  const tight = kernelAufsMounts({ rw: { diff: '/d/top', work: '/w' }, ro: ['/d/a', '/d/b', '/d/c'], own: '/d/top' }, { xino: '/x', dirperm1: false }, 40);
  t.deepEqual(tight.map((m) => m.options), [
    ['br:/d/top=rw:/d/a=ro+wh', 'xino=/x'],
    ['remount', 'append:/d/b=ro+wh', 'append:/d/c=ro+wh'],
  ]);
});

test('a branch path holding an option separator is refused instead of mounting the wrong tree', (t) => {
  t.throws(() => kernelAufsMounts({ rw: { diff: '/d/a:b', work: '/w' }, ro: [], own: '/d/a:b' }, { xino: XINO, dirperm1: false }), { instanceOf: InvalidArgumentError });
});
