import fs from 'node:fs';
import { lsetxattr, lutimesNs, mknod, S_IFBLK, S_IFCHR, S_IFIFO, S_IFSOCK } from '@layerctl/sys';

/**
 * A tree with every kind of entry a layer can hold and the edge values that tar libraries get
 * wrong: mode 0, setuid/setgid/sticky, ids above the old octal field (300000), a binary
 * security.capability, binary xattrs, mtimes with nanoseconds, before 1970 and after 2038,
 * hardlink groups, devices with big numbers, long and non-ASCII names. Needs root (mknod,
 * chown, trusted.* xattrs) and a filesystem with xattrs (tmpfs has them).
 */

/** security.capability, revision 2 (VFS_CAP_REVISION_2, 20 bytes): cap_net_raw and cap_sys_admin, effective; bytes past 0x7f on purpose. */
export const CAPABILITY = Buffer.from('0100000200200000ff0000000000000080000000', 'hex');

/** Names in the edge tree that a tar cannot hold and a pack leaves out. */
export const UNPACKABLE = ['dev/socket'];

const NS = 1_000_000_000n;
/** 2009-02-13 with nanoseconds. */
const T_NS = 1_234_567_890_123_456_789n;
/** 2100-01-01T00:00:00.987654321Z, past the 32-bit time_t of 2038 and the 8 octal digits of ustar's mtime... until 2242. */
const T_AFTER_2038 = 4_102_444_800n * NS + 987_654_321n;
/** 1969-12-31, a second and a nanosecond before the epoch. */
const T_BEFORE_1970 = -NS - 1n;

const LONG_NAME = 'n'.repeat(150);

export function makeEdgeTree(root: string): void {
  const at = (name: string): string => `${root}/${name}`;
  const dir = (name: string, mode: number, uid = 0, gid = 0): void => {
    fs.mkdirSync(at(name));
    fs.chownSync(at(name), uid, gid);
    fs.chmodSync(at(name), mode);
  };
  const file = (name: string, content: string | Buffer, mode: number, uid = 0, gid = 0, mtimeNs = T_NS): void => {
    fs.writeFileSync(at(name), content);
    fs.chownSync(at(name), uid, gid);
    fs.chmodSync(at(name), mode);
    lutimesNs(at(name), mtimeNs, mtimeNs);
  };
  const node = (name: string, type: number, mode: number, major: number, minor: number, gid = 0): void => {
    mknod(at(name), type | mode, major, minor);
    fs.chownSync(at(name), 0, gid);
    fs.chmodSync(at(name), mode);
    lutimesNs(at(name), T_NS, T_NS);
  };
  const symlink = (name: string, target: string, uid = 0, gid = 0): void => {
    fs.symlinkSync(target, at(name));
    fs.lchownSync(at(name), uid, gid);
    lutimesNs(at(name), T_AFTER_2038, T_AFTER_2038);
  };

  dir('bin', 0o755);
  file('bin/suid', 'setuid root\n', 0o4755);
  file('bin/sgid', 'setgid, high ids\n', 0o2711, 300_000, 300_001, T_AFTER_2038);
  file('bin/ping', 'has a capability\n', 0o755);
  lsetxattr(at('bin/ping'), 'security.capability', CAPABILITY);
  lutimesNs(at('bin/ping'), T_NS, T_NS);
  file('bin/zero', 'mode 0 stays 0\n', 0);

  dir('etc', 0o755);
  file('etc/empty', '', 0o644, 0, 0, T_BEFORE_1970);
  file('etc/big', bigContent(), 0o644);
  file('etc/xattrs', 'binary xattrs\n', 0o600);
  lsetxattr(at('etc/xattrs'), 'user.note', Buffer.from('hello'));
  lsetxattr(at('etc/xattrs'), 'trusted.binary', Buffer.from([0, 1, 0x7f, 0x80, 0xfe, 0xff]));
  lutimesNs(at('etc/xattrs'), T_NS, T_NS);
  file('etc/hl-a', 'three names, one inode\n', 0o640, 42, 43);

  dir('links', 0o755);
  symlink('links/abs', '/etc/passwd', 1234, 5678);
  symlink('links/rel', '../etc/empty');
  symlink('links/dangling', 'nowhere');
  fs.linkSync(at('etc/hl-a'), at('bin/hl-b'));
  fs.linkSync(at('etc/hl-a'), at('links/hl-c'));
  lsetxattr(at('links/rel'), 'trusted.on-a-symlink', Buffer.from('x'));
  lutimesNs(at('links/rel'), T_NS, T_NS);

  dir('dev', 0o755);
  node('dev/null', S_IFCHR, 0o666, 1, 3);
  node('dev/loop0', S_IFBLK, 0o660, 7, 0, 6);
  node('dev/big', S_IFCHR, 0o600, 4095, 1_048_575);
  node('dev/fifo', S_IFIFO, 0o620, 0, 0);
  node('dev/socket', S_IFSOCK, 0o755, 0, 0);

  dir('tmp', 0o1777);
  dir('empty', 0o700, 65534, 65534);
  dir('long', 0o755);
  dir(`long/${LONG_NAME}`, 0o755);
  file(`long/${LONG_NAME}/${LONG_NAME}`, 'a path over 255 bytes\n', 0o644);
  file('long/héllo-🙂', 'non-ASCII name\n', 0o644);

  // Directories last, deepest first: adding entries changed their times.
  for (const name of [`long/${LONG_NAME}`, 'long', 'empty', 'tmp', 'dev', 'links', 'etc', 'bin']) {
    lutimesNs(at(name), T_AFTER_2038, T_AFTER_2038);
  }
}

/** 1 MiB and 3 bytes that differ from block to block, so a misplaced chunk shows. */
function bigContent(): Buffer {
  const content = Buffer.alloc((1 << 20) + 3);
  for (let i = 0; i < content.length; i++) content[i] = (i * 31 + (i >> 9)) & 0xff;
  return content;
}
