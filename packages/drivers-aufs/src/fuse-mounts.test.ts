import test from 'ava';
import { fuseMounts } from './fuse-mounts.ts';

test('a writable layer is fuse-overlayfs over its ancestors, nearest first, its branch as upper, without the writeback cache', (t) => {
  t.deepEqual(fuseMounts({ rw: { diff: '/d/top', work: '/w/top/work' }, ro: ['/d/parent', '/d/base'], own: '/d/top' }), [
    { type: 'fuse.fuse-overlayfs', source: 'fuse-overlayfs', options: ['lowerdir=/d/parent:/d/base', 'upperdir=/d/top', 'workdir=/w/top/work', 'writeback=0'] },
  ]);
});

test('a read-only layer is its ancestors alone, mounted ro', (t) => {
  t.deepEqual(fuseMounts({ ro: ['/d/parent'], own: '/d/view' }), [{ type: 'fuse.fuse-overlayfs', source: 'fuse-overlayfs', options: ['lowerdir=/d/parent', 'ro'] }]);
});

test('a layer without ancestors needs no FUSE server: its branch is bound, read-only for a view', (t) => {
  t.deepEqual(fuseMounts({ rw: { diff: '/d/base', work: '/w' }, ro: [], own: '/d/base' }), [{ type: 'bind', source: '/d/base', options: ['rbind'] }]);
  t.deepEqual(fuseMounts({ ro: [], own: '/d/view' }), [{ type: 'bind', source: '/d/view', options: ['rbind', 'ro'] }]);
});
