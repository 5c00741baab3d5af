import type { Device } from './runtime-spec.ts';

/**
 * The device nodes every container gets whatever its spec lists (the OCI runtime spec's
 * "default devices"): /dev/null, zero, full, random, urandom and tty, mode 0666, owned by root.
 */
export const DEFAULT_DEVICES: readonly Device[] = [
  { type: 'c', path: '/dev/null', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/zero', major: 1, minor: 5, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/full', major: 1, minor: 7, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/random', major: 1, minor: 8, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/urandom', major: 1, minor: 9, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/tty', major: 5, minor: 0, fileMode: 0o666, uid: 0, gid: 0 },
];

/** The symlinks /dev holds in every container (what runc and crun make). */
export const DEFAULT_DEV_SYMLINKS: readonly { path: string; target: string }[] = [
  { path: '/dev/fd', target: '/proc/self/fd' },
  { path: '/dev/stdin', target: '/proc/self/fd/0' },
  { path: '/dev/stdout', target: '/proc/self/fd/1' },
  { path: '/dev/stderr', target: '/proc/self/fd/2' },
  { path: '/dev/ptmx', target: 'pts/ptmx' },
  { path: '/dev/core', target: '/proc/kcore' },
];
