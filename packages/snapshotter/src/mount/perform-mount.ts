import { spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import path from 'node:path';
import {
  mount,
  mountWithFsconfig,
  MOUNT_ATTR_NODEV,
  MOUNT_ATTR_NOEXEC,
  MOUNT_ATTR_NOSUID,
  MOUNT_ATTR_RDONLY,
  MS_BIND,
  MS_NODEV,
  MS_NOEXEC,
  MS_NOSUID,
  MS_RDONLY,
  MS_REC,
  MS_REMOUNT,
  FailedPreconditionError,
  mountTable,
  NotSupportedError,
  SysError,
  umount2,
  wrapNodeError,
} from '@layerctl/sys';
import { FUSE_TYPE_PREFIX, isFuseMount, mountFuse, unmountFuse } from './fuse-mount.ts';
import type { Mount } from './mount.ts';

/**
 * The one place that performs Mount data (mount.ts): drivers and the snapshotter say what to
 * mount, this does it. Mounts of one list are stacked on the same target in order, as
 * containerd's mount.All does; unmountAll takes them all off again.
 */

const { EINVAL, ENOENT } = constants.errno;

/** The option words that are mount(2) flags, not filesystem options. */
const FLAG_WORDS: Record<string, number> = {
  ro: MS_RDONLY,
  nosuid: MS_NOSUID,
  nodev: MS_NODEV,
  noexec: MS_NOEXEC,
  bind: MS_BIND,
  rbind: MS_BIND | MS_REC,
  // Changes the mount already on the target (kernel aufs adds branches past one page so).
  remount: MS_REMOUNT,
};

/** The same flags as attributes of fsmount(2), the new API's spelling. */
const MOUNT_ATTRS: Array<[number, number]> = [
  [MS_RDONLY, MOUNT_ATTR_RDONLY],
  [MS_NOSUID, MOUNT_ATTR_NOSUID],
  [MS_NODEV, MOUNT_ATTR_NODEV],
  [MS_NOEXEC, MOUNT_ATTR_NOEXEC],
];

/** Flags a read-only or restricted bind mount needs a remount for: MS_BIND alone ignores them. */
const BIND_REMOUNT_FLAGS = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;

/**
 * mount(2) copies its data string into one page (PAGE_SIZE - 1 bytes and a NUL); a longer one
 * fails with EINVAL. This is what capped Docker's overlay2 at 128 layers.
 */
export const MOUNT_DATA_MAX = 4095;

/** Options whose values are paths (overlay's), which a too-long data string may give relative to a shared directory. */
const PATH_OPTIONS = new Set(['lowerdir', 'upperdir', 'workdir']);

/** The mount(8) of util-linux: the helper process that mounts from a working directory of our choosing. */
const MOUNT_HELPER = 'mount';

/** A `key+=value` option appends to a list option; only fsconfig(2) can take it. */
const APPEND_OPTION = /^[^=]+\+=/;

/** A Mount's options split into mount(2) flags and the filesystem's own options. */
export interface ParsedOptions {
  flags: number;
  data: string[];
}

export function parseMountOptions(options: readonly string[]): ParsedOptions {
  let flags = 0;
  const data: string[] = [];
  for (const option of options) {
    const flag = FLAG_WORDS[option];
    if (flag === undefined) data.push(option);
    else flags |= flag;
  }
  return { flags, data };
}

/**
 * Performs each mount on `target`, in order. When one fails, those already made are undone
 * before the error propagates, so a failure leaves `target` as it was.
 */
export function mountAll(mounts: readonly Mount[], target: string): void {
  let done = 0;
  try {
    for (const m of mounts) {
      mountOne(m, target);
      // A remount changes the mount below it; there is nothing more to take off.
      if (!m.options.includes('remount')) done++;
    }
  } catch (err) {
    for (; done > 0; done--) umount2(target);
    throw err;
  }
}

/**
 * Unmounts everything stacked on `target` until it is no mount point at all; a missing target has
 * nothing to unmount. The mount table is read once for the stack found there (a FUSE mount needs
 * its own unmount); a mount stacked there meanwhile is found by the last umount2, which then did
 * not end with EINVAL, and the table is read again.
 */
export function unmountAll(target: string): void {
  for (;;) {
    const stack = mountTable().filter((entry) => entry.target === target);
    try {
      for (const { fsType } of stack.reverse()) {
        if (fsType.startsWith(FUSE_TYPE_PREFIX)) unmountFuse(target);
        else umount2(target);
      }
      umount2(target);
    } catch (err) {
      // EINVAL: `target` is no longer a mount point, which is where this loop is meant to end.
      if (err instanceof SysError && (err.errno === EINVAL || err.errno === ENOENT)) return;
      throw err;
    }
  }
}

function mountOne(m: Mount, target: string): void {
  if (isFuseMount(m)) return mountFuse(m, target);
  const { flags, data } = parseMountOptions(m.options);
  if (m.type === 'bind' || (flags & MS_BIND) !== 0) return bindMount(m.source, target, flags);
  if (data.some((option) => APPEND_OPTION.test(option))) return mountNewApi(m, target, flags, data);
  const joined = data.join(',');
  if (joined.length > MOUNT_DATA_MAX) return mountFromCommonDir(m, target);
  mount(m.source, target, m.type, flags, joined);
}

/**
 * A data string too long for one page, made to fit as Docker's overlay2 does: the paths are made
 * relative to the directory they share, and mount(8) runs there. The kernel resolves relative
 * paths against the mounting process's working directory, and a Node process cannot change its
 * own for one call (worker threads cannot chdir at all), hence the helper process.
 */
function mountFromCommonDir(m: Mount, target: string): void {
  const { cwd, options } = relativeMountOptions(m.options);
  const data = options.filter((option) => FLAG_WORDS[option] === undefined).join(',');
  if (cwd === undefined || data.length > MOUNT_DATA_MAX) {
    throw new NotSupportedError(
      `mount ${target}: ${m.type} options take ${data.length} bytes even with relative paths, more than mount(2) takes (${MOUNT_DATA_MAX}); this needs the new mount API`,
    );
  }
  const helper = spawnSync(MOUNT_HELPER, ['-i', '-t', m.type, '-o', options.join(','), m.source, path.resolve(target)], { cwd, encoding: 'utf8' });
  if (helper.error !== undefined) throw wrapNodeError(helper.error, MOUNT_HELPER);
  if (helper.status !== 0) {
    throw new FailedPreconditionError(`mount ${target} (${MOUNT_HELPER} in ${cwd}): ${helper.stderr.trim() || `exit status ${helper.status}`}`);
  }
}

/**
 * The options with every path of a path-valued option (PATH_OPTIONS; `:`-separated lists too)
 * made relative to the deepest directory all of them share; `cwd` is that directory, undefined
 * when there are no absolute paths to shorten.
 */
export function relativeMountOptions(options: readonly string[]): { cwd: string | undefined; options: string[] } {
  const paths = options.flatMap((option) => pathValue(option)?.split(':') ?? []).filter((p) => path.isAbsolute(p));
  if (paths.length === 0) return { cwd: undefined, options: [...options] };
  const cwd = paths.map((p) => path.dirname(p)).reduce(commonDir);
  const relative = options.map((option) => {
    const value = pathValue(option);
    if (value === undefined) return option;
    const key = option.slice(0, option.length - value.length);
    return key + value.split(':').map((p) => (path.isAbsolute(p) ? path.relative(cwd, p) || '.' : p)).join(':');
  });
  return { cwd, options: relative };
}

/** The value of a path-valued option, or undefined for any other option. */
function pathValue(option: string): string | undefined {
  const eq = option.indexOf('=');
  return eq > 0 && PATH_OPTIONS.has(option.slice(0, eq)) ? option.slice(eq + 1) : undefined;
}

function commonDir(a: string, b: string): string {
  const pa = a.split('/');
  const pb = b.split('/');
  let i = 0;
  while (i < pa.length && i < pb.length && pa[i] === pb[i]) i++;
  return pa.slice(0, i).join('/') || '/';
}

function bindMount(source: string, target: string, flags: number): void {
  mount(source, target, null, MS_BIND | (flags & MS_REC));
  if ((flags & BIND_REMOUNT_FLAGS) === 0) return;
  try {
    mount('none', target, null, MS_REMOUNT | MS_BIND | (flags & BIND_REMOUNT_FLAGS));
  } catch (err) {
    umount2(target);
    throw err;
  }
}

/** The new mount API: the source and every data word through fsconfig (see mountWithFsconfig). */
function mountNewApi(m: Mount, target: string, flags: number, data: string[]): void {
  mountWithFsconfig(m.type, [`source=${m.source}`, ...data], target, mountAttrs(flags));
}

function mountAttrs(flags: number): number {
  let attrs = 0;
  for (const [flag, attr] of MOUNT_ATTRS) if ((flags & flag) !== 0) attrs |= attr;
  return attrs;
}
