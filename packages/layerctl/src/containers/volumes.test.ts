import test from 'ava';
import { parseVolumeSpec } from './volumes.ts';

test('-v takes a host path or a volume name, a container path and ro or rw', (t) => {
  t.deepEqual(parseVolumeSpec('/host/dir:/data'), { source: '/host/dir', destination: '/data', readonly: false });
  t.deepEqual(parseVolumeSpec('cache:/var/cache/:ro'), { source: 'cache', destination: '/var/cache/', readonly: true });
  t.deepEqual(parseVolumeSpec('cache:/a/../b:rw'), { source: 'cache', destination: '/b', readonly: false });
});

test('-v refuses anonymous volumes, relative container paths, bad names and unknown modes', (t) => {
  t.throws(() => parseVolumeSpec('/data'), { message: /anonymous/ });
  t.throws(() => parseVolumeSpec('name:relative'), { message: /absolute/ });
  t.throws(() => parseVolumeSpec('../escape:/data'), { message: /volume name/ });
  t.throws(() => parseVolumeSpec('name:/data:rx'), { message: /ro or rw/ });
});
