import type { Readable } from 'node:stream';
import type { TarInput } from '@layerctl/snapshotter';
import type { Snapshotter } from '../with-root.ts';

/** Directories a container needs as mount points (Docker's initlayer), with their modes. */
const INIT_DIRECTORIES: ReadonlyArray<[string, number]> = [
  ['dev', 0o755],
  ['dev/pts', 0o755],
  ['dev/shm', 0o1777],
  ['etc', 0o755],
  ['proc', 0o555],
  ['sys', 0o555],
];
/** Empty files the bundle binds over: the /etc files from the container's directory, and the console. */
const INIT_FILES = ['dev/console', 'etc/hostname', 'etc/hosts', 'etc/resolv.conf'];
/** /etc/mtab is the kernel's list of mounts, as on any modern distribution. */
const MTAB: [string, string] = ['etc/mtab', '/proc/mounts'];

/**
 * The init layer `<id>-init` as a changeset tar: the mount points and /etc files every container
 * needs, whatever its image holds there. It goes in through the driver's applyDiff, the same
 * safe path as an image layer, so an image whose /etc/hosts is a symlink to a host file gets a
 * plain file in its place instead of having anything written through the link.
 */
export function initLayerTar(api: Snapshotter): Readable {
  const entries: TarInput[] = [
    ...INIT_DIRECTORIES.map(([name, mode]) => ({ header: api.tarHeader({ name, type: 'directory', mode }) })),
    ...INIT_FILES.map((name) => ({ header: api.tarHeader({ name, type: 'file', mode: 0o644 }), body: Buffer.alloc(0) })),
    { header: api.tarHeader({ name: MTAB[0], type: 'symlink', mode: 0o777, linkname: MTAB[1] }) },
  ];
  return api.writeTar(entries.sort((a, b) => api.compareEntryPaths(a.header.name, b.header.name)));
}
