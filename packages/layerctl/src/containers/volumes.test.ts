import test from 'ava';
import { InvalidArgumentError } from '@layerctl/sys';
import { parseVolumeSpec } from './volumes.ts';

test('-v takes a host path or a volume name, a container path and ro or rw', (t) => {
  t.deepEqual(parseVolumeSpec('/host/dir:/data'), { source: '/host/dir', destination: '/data', readonly: false, nocopy: false });
  t.deepEqual(parseVolumeSpec('cache:/var/cache/:ro'), { source: 'cache', destination: '/var/cache/', readonly: true, nocopy: false });
  t.deepEqual(parseVolumeSpec('cache:/a/../b:rw'), { source: 'cache', destination: '/b', readonly: false, nocopy: false });
});

test('-v refuses anonymous volumes, relative container paths, bad names and unknown modes', (t) => {
  t.throws(() => parseVolumeSpec('/data'), { message: /anonymous/ });
  t.throws(() => parseVolumeSpec('name:relative'), { message: /absolute/ });
  t.throws(() => parseVolumeSpec('../escape:/data'), { message: /volume name/ });
  t.throws(() => parseVolumeSpec('name:/data:rx'), { message: /ro or rw and nocopy/ });
});

test('nocopy keeps a new named volume empty, alone or with ro or rw; a bind mount, never filled, refuses it', (t) => {
  t.deepEqual(parseVolumeSpec('db:/data:nocopy'), { source: 'db', destination: '/data', readonly: false, nocopy: true });
  t.deepEqual(parseVolumeSpec('db:/data:ro,nocopy'), { source: 'db', destination: '/data', readonly: true, nocopy: true });
  t.deepEqual(parseVolumeSpec('db:/data:nocopy,rw'), { source: 'db', destination: '/data', readonly: false, nocopy: true });
  t.throws(() => parseVolumeSpec('/host/dir:/data:nocopy'), { message: /nocopy is for named volumes/ });
  t.throws(() => parseVolumeSpec('db:/data:ro,rw'), { message: /exclude each other/ });
  t.throws(() => parseVolumeSpec('db:/data:ro,ro'), { message: /ro is given twice/ });
  t.throws(() => parseVolumeSpec('db:/data:'), { message: /not ""/ });
});

test('a volume over the container\'s root is refused, as Docker refuses it', (t) => {
  for (const spec of ['data:/', 'data:/./', '/host:/']) {
    t.throws(() => parseVolumeSpec(spec), { instanceOf: InvalidArgumentError, message: `-v ${JSON.stringify(spec)}: the path in the container cannot be /` });
  }
});
