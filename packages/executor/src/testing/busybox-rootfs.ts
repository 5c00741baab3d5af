import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Debian's busybox-static: one static binary, so a rootfs needs nothing else from the host. */
const BUSYBOX = '/bin/busybox';
const DIRECTORIES = ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'root', 'tmp', 'dev', 'proc', 'sys', 'run', 'var'];

/**
 * A busybox root filesystem in `dir` (on tmpfs in tests), as fixtures/busybox/make-rootfs.sh makes
 * it: the binary, a relative symlink per applet, /etc/passwd and /etc/group.
 */
export function makeBusyboxRootfs(dir: string): string {
  for (const d of DIRECTORIES) fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.chmodSync(path.join(dir, 'tmp'), 0o1777);
  fs.copyFileSync(BUSYBOX, path.join(dir, 'bin/busybox'));
  fs.chmodSync(path.join(dir, 'bin/busybox'), 0o755);
  const applets = execFileSync(BUSYBOX, ['--list-full'], { encoding: 'utf8' }).split('\n');
  for (const applet of applets) {
    if (applet === '' || applet === 'bin/busybox' || applet === 'linuxrc') continue;
    const depth = applet.split('/').length - 1;
    const target = depth === 1 && applet.startsWith('bin/') ? 'busybox' : `${'../'.repeat(depth)}bin/busybox`;
    fs.mkdirSync(path.join(dir, path.dirname(applet)), { recursive: true });
    fs.symlinkSync(target, path.join(dir, applet));
  }
  fs.writeFileSync(path.join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  fs.writeFileSync(path.join(dir, 'etc/group'), 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n');
  return dir;
}
