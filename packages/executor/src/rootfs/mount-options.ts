import {
  InvalidArgumentError,
  MS_BIND,
  MS_NODEV,
  MS_NOEXEC,
  MS_NOSUID,
  MS_PRIVATE,
  MS_RDONLY,
  MS_REC,
  MS_SHARED,
  MS_SLAVE,
} from '@layerctl/sys';

// Flags mount-flags.ts does not name, from <sys/mount.h>.
const MS_SYNCHRONOUS = 0x10;
const MS_DIRSYNC = 0x80;
const MS_NOATIME = 0x400;
const MS_NODIRATIME = 0x800;
const MS_UNBINDABLE = 0x20000;
const MS_RELATIME = 0x200000;
const MS_STRICTATIME = 0x1000000;

/** What one spec mount's `options` mean to mount(2). */
export interface MountOptions {
  /** MS_* flags for the mount itself. */
  flags: number;
  /** Flags that apply only through a remount of a bind (MS_RDONLY, MS_NOSUID...). */
  bindRemountFlags: number;
  /** A propagation change to make after mounting (MS_PRIVATE | MS_REC and the like), or 0. */
  propagation: number;
  /** The filesystem's own options ("mode=755,size=65536k"). */
  data: string;
  bind: boolean;
}

const FLAGS: Readonly<Record<string, { set: number } | { clear: number }>> = {
  ro: { set: MS_RDONLY },
  rw: { clear: MS_RDONLY },
  nosuid: { set: MS_NOSUID },
  suid: { clear: MS_NOSUID },
  nodev: { set: MS_NODEV },
  dev: { clear: MS_NODEV },
  noexec: { set: MS_NOEXEC },
  exec: { clear: MS_NOEXEC },
  sync: { set: MS_SYNCHRONOUS },
  async: { clear: MS_SYNCHRONOUS },
  dirsync: { set: MS_DIRSYNC },
  noatime: { set: MS_NOATIME },
  atime: { clear: MS_NOATIME },
  nodiratime: { set: MS_NODIRATIME },
  diratime: { clear: MS_NODIRATIME },
  relatime: { set: MS_RELATIME },
  norelatime: { clear: MS_RELATIME },
  strictatime: { set: MS_STRICTATIME },
  nostrictatime: { clear: MS_STRICTATIME },
  defaults: { clear: 0 },
};

const PROPAGATION: Readonly<Record<string, number>> = {
  private: MS_PRIVATE,
  rprivate: MS_PRIVATE | MS_REC,
  slave: MS_SLAVE,
  rslave: MS_SLAVE | MS_REC,
  shared: MS_SHARED,
  rshared: MS_SHARED | MS_REC,
  unbindable: MS_UNBINDABLE,
  runbindable: MS_UNBINDABLE | MS_REC,
};

/**
 * Splits a spec mount's options as runc does: flag words become MS_* flags, propagation words a
 * propagation change, `bind`/`rbind` a bind mount, and everything else the filesystem's data.
 * A bind ignores flags on the first mount(2), so they are returned for the remount.
 */
export function parseMountOptions(options: readonly string[], type: string | undefined): MountOptions {
  let flags = 0;
  let propagation = 0;
  let bind = type === 'bind';
  let recursive = false;
  const data: string[] = [];
  for (const option of options) {
    const flag = FLAGS[option];
    if (flag !== undefined) {
      flags = 'set' in flag ? flags | flag.set : flags & ~flag.clear;
    } else if (PROPAGATION[option] !== undefined) {
      propagation = PROPAGATION[option];
    } else if (option === 'bind' || option === 'rbind') {
      bind = true;
      recursive ||= option === 'rbind';
    } else if (option.includes(',')) {
      throw new InvalidArgumentError(`mount option ${JSON.stringify(option)} holds a comma; give each option on its own`);
    } else {
      data.push(option);
    }
  }
  if (!bind) return { flags, bindRemountFlags: 0, propagation, data: data.join(','), bind };
  return {
    flags: MS_BIND | (recursive ? MS_REC : 0),
    bindRemountFlags: flags,
    propagation,
    data: data.join(','),
    bind,
  };
}
