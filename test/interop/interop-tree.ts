import { randomFillSync } from 'node:crypto';
import fs from 'node:fs';
import { lsetxattr, lutimesNs, mknod, S_IFCHR, S_IFIFO } from '@layerctl/sys';

/**
 * The tree the interop tests pack into an image and expect other tools to give back: special
 * modes (setuid, setgid, sticky, 0700, mode 0), owners other than root and ids past the old
 * octal limit, a hardlink, relative, absolute and dangling symlinks, a fifo, a char device, a
 * user xattr, a name past ustar's 100 bytes in a path past 255, a non-ASCII name, a file of
 * several MiB, an empty file, and mtimes with nanoseconds. Needs root (chown, mknod).
 */

/** A second and some nanoseconds after 2009-02-13T23:31:30Z. */
const MTIME_NS = 1_234_567_891_123_456_789n;
const LONG = 'l'.repeat(120);

export function makeInteropTree(root: string): void {
  const at = (name: string): string => `${root}/${name}`;
  const dir = (name: string, mode: number, uid = 0, gid = 0): void => {
    fs.mkdirSync(at(name));
    fs.chownSync(at(name), uid, gid);
    fs.chmodSync(at(name), mode);
  };
  const file = (name: string, content: string | Buffer, mode: number, uid = 0, gid = 0): void => {
    fs.writeFileSync(at(name), content);
    fs.chownSync(at(name), uid, gid);
    fs.chmodSync(at(name), mode);
  };

  dir('bin', 0o755);
  file('bin/suid', '#!/bin/sh\necho setuid\n', 0o4755);
  file('bin/sgid', '#!/bin/sh\necho setgid\n', 0o2755, 0, 50);
  file('bin/zero', 'mode 0\n', 0);
  dir('etc', 0o755);
  file('etc/hosts', '127.0.0.1 localhost\n', 0o644);
  fs.linkSync(at('etc/hosts'), at('etc/hosts.hardlink'));
  file('etc/shadow', 'root:*:19000:0:99999:7:::\n', 0o640, 0, 42);
  file('etc/xattr', 'carries a user xattr\n', 0o644);
  lsetxattr(at('etc/xattr'), 'user.interop', Buffer.from('layerctl'));
  dir('home', 0o755);
  dir('home/user', 0o700, 1000, 1000);
  file('home/user/.profile', 'export PS1=$\n', 0o600, 1000, 1000);
  file('home/user/high-ids', 'ids past 2097151\n', 0o644, 3_000_000, 3_000_001);
  dir('tmp', 0o1777);
  dir('links', 0o755);
  fs.symlinkSync('../etc/hosts', at('links/relative'));
  fs.symlinkSync('/etc/hosts', at('links/absolute'));
  fs.symlinkSync('nowhere', at('links/dangling'));
  dir('dev', 0o755);
  mknod(at('dev/null'), S_IFCHR | 0o666, 1, 3);
  fs.chmodSync(at('dev/null'), 0o666);
  dir('run', 0o755);
  mknod(at('run/fifo'), S_IFIFO | 0o620, 0, 0);
  fs.chmodSync(at('run/fifo'), 0o620);
  dir('data', 0o755);
  file('data/empty', '', 0o644);
  file('data/random', randomFillSync(Buffer.alloc(3 * 1024 * 1024 + 17)), 0o644);
  file('data/héllo-wörld', 'non-ASCII name\n', 0o644);
  dir(LONG, 0o755);
  file(`${LONG}/${'f'.repeat(150)}`, 'a name past 100 bytes in a path past 255\n', 0o644);

  // Times last, files before the directories that hold them (adding an entry changes a directory's mtime).
  for (const name of ['bin/suid', 'bin/sgid', 'bin/zero', 'etc/hosts', 'etc/shadow', 'etc/xattr', 'home/user/.profile', 'home/user/high-ids', 'data/empty', 'data/random']) {
    lutimesNs(at(name), MTIME_NS, MTIME_NS);
  }
  for (const name of ['links/relative', 'links/absolute', 'links/dangling', 'dev/null', 'run/fifo']) lutimesNs(at(name), MTIME_NS, MTIME_NS);
  for (const name of ['bin', 'etc', 'home/user', 'home', 'tmp', 'links', 'dev', 'run', 'data', LONG]) lutimesNs(at(name), MTIME_NS, MTIME_NS);
}
