import test from 'ava';
import { NotSupportedError } from '@layerctl/sys';
import { MOUNT_DATA_MAX } from '@layerctl/snapshotter';
import { layerMounts, MAX_LOWER_LAYERS, type MountApiChoice } from './mount-options.ts';

const upper = { diff: '/o/top/diff', work: '/o/top/work' };
const extra: string[] = [];
const probedNew: MountApiChoice = { api: 'new', chosenBy: 'probe' };
const probedLegacy: MountApiChoice = { api: 'legacy', chosenBy: 'probe' };

test('a writable layer over parents is one overlay: a lowerdir+ per parent, nearest first, then upper and work', (t) => {
  t.deepEqual(layerMounts({ id: 'top', lowers: ['/o/l/B', '/o/l/A'], upper, extra: ['index=off'] }, probedNew), [
    { type: 'overlay', source: 'overlay', options: ['lowerdir+=/o/l/B', 'lowerdir+=/o/l/A', 'upperdir=/o/top/diff', 'workdir=/o/top/work', 'index=off'] },
  ]);
});

test('the legacy form puts every lower in one lowerdir= option, nearest first', (t) => {
  t.deepEqual(layerMounts({ id: 'top', lowers: ['/o/l/B', '/o/l/A'], upper, extra }, probedLegacy), [
    { type: 'overlay', source: 'overlay', options: ['lowerdir=/o/l/B:/o/l/A', 'upperdir=/o/top/diff', 'workdir=/o/top/work'] },
  ]);
});

test('a read-only layer has no upper dir and mounts with ro', (t) => {
  t.deepEqual(layerMounts({ id: 'view', lowers: ['/o/view/diff', '/o/l/A'], extra }, probedNew), [
    { type: 'overlay', source: 'overlay', options: ['lowerdir+=/o/view/diff', 'lowerdir+=/o/l/A', 'ro'] },
  ]);
});

test('a base layer is its diff dir bound in place: read-write when writable, read-only when not', (t) => {
  t.deepEqual(layerMounts({ id: 'base', lowers: [], upper: { diff: '/o/base/diff', work: '/o/base/work' }, extra }, probedNew), [
    { type: 'bind', source: '/o/base/diff', options: ['rbind', 'rw'] },
  ]);
  t.deepEqual(layerMounts({ id: 'base', lowers: ['/o/base/diff'], extra }, probedNew), [{ type: 'bind', source: '/o/base/diff', options: ['rbind', 'ro'] }]);
});

test('more lower layers than the kernel takes are refused, naming the layer and the limit', (t) => {
  const lowers = Array.from({ length: MAX_LOWER_LAYERS + 1 }, (_, i) => `/o/l/${i}`);
  const err = t.throws(() => layerMounts({ id: 'deep', lowers, upper, extra }, probedNew), { instanceOf: NotSupportedError });
  t.is(err?.message, `overlay2 layer deep: ${MAX_LOWER_LAYERS + 1} lower layers, overlay takes at most ${MAX_LOWER_LAYERS}`);
  t.notThrows(() => layerMounts({ id: 'deep', lowers: lowers.slice(1), upper, extra }, probedNew));
});

test('the legacy form takes 128 layers as relative l/ paths, and refuses what does not fit in a page even so', (t) => {
  const home = '/var/lib/layerctl/overlay2';
  const lowers = (n: number): string[] => Array.from({ length: n }, (_, i) => `${home}/l/${String(i).padStart(26, 'A')}`);
  const upper = { diff: `${home}/${'f'.repeat(64)}/diff`, work: `${home}/${'f'.repeat(64)}/work` };
  t.true(`lowerdir=${lowers(128).join(':')}`.length > MOUNT_DATA_MAX, 'absolute, 128 would not fit');
  t.notThrows(() => layerMounts({ id: 'top', lowers: lowers(128), upper, extra }, probedLegacy));
  const err = t.throws(() => layerMounts({ id: 'top', lowers: lowers(150), upper, extra }, probedLegacy), {
    instanceOf: NotSupportedError,
  });
  t.is(err?.message, 'overlay2 layer top: 150 lower layers do not fit in one page of mount(2) options, and this kernel lacks fsconfig lowerdir+ (Linux 6.8)');
});

test('a legacy mount that does not fit blames the overlay2.mount_api option, not the kernel, when the option chose it', (t) => {
  const lowers = Array.from({ length: 150 }, (_, i) => `/var/lib/layerctl/overlay2/l/${String(i).padStart(26, 'A')}`);
  const err = t.throws(() => layerMounts({ id: 'top', lowers, upper, extra }, { api: 'legacy', chosenBy: 'option' }), { instanceOf: NotSupportedError });
  t.is(err?.message, 'overlay2 layer top: 150 lower layers do not fit in one page of mount(2) options, and overlay2.mount_api=legacy was asked for');
});
