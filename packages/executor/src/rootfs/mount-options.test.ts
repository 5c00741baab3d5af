import { MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_RDONLY, MS_REC } from '@layerctl/sys';
import test from 'ava';
import { parseMountOptions } from './mount-options.ts';

const MS_STRICTATIME = 0x1000000;

test('flag words become MS_* flags and the rest the filesystem data, in order', (t) => {
  t.deepEqual(parseMountOptions(['nosuid', 'strictatime', 'mode=755', 'size=65536k'], 'tmpfs'), {
    flags: MS_NOSUID | MS_STRICTATIME,
    bindRemountFlags: 0,
    propagation: 0,
    data: 'mode=755,size=65536k',
    bind: false,
  });
});

test('a later word overrides an earlier one (ro then rw)', (t) => {
  t.is(parseMountOptions(['ro', 'nodev', 'rw'], 'sysfs').flags, MS_NODEV);
});

test('rbind makes a recursive bind whose flags wait for the remount; propagation words are kept apart', (t) => {
  t.deepEqual(parseMountOptions(['rbind', 'ro', 'nosuid', 'noexec', 'rprivate'], undefined), {
    flags: MS_BIND | MS_REC,
    bindRemountFlags: MS_RDONLY | MS_NOSUID | MS_NOEXEC,
    propagation: MS_PRIVATE | MS_REC,
    data: '',
    bind: true,
  });
  t.is(parseMountOptions([], 'bind').flags, MS_BIND);
});

test('an option holding a comma is refused rather than smuggled into the data string', (t) => {
  t.throws(() => parseMountOptions(['size=1m,uid=0'], 'tmpfs'), { message: /holds a comma/ });
});
