import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import test from 'ava';
import { attachLoop, mount, umount2 } from '@layerctl/sys';

/**
 * One extent-sharing filesystem per test file, loop-mounted in a tmpfs scratch dir: formatting
 * a pool per case would cost more than the cases. Each case gets its own directory in it (the
 * driver's devmapper.pool_dir) and removes it when done. The pool is unmounted (its autoclear
 * loop device goes with it) and the scratch dir removed after the last test, pass or fail.
 */
export function sharedPool(fsType: 'xfs' | 'btrfs', bytes: number): () => string {
  const scratch = fs.mkdtempSync('/dev/shm/layerctl-test-');
  const image = path.join(scratch, `${fsType}.img`);
  const mnt = path.join(scratch, 'pool');
  let mounted = false;
  let cases = 0;
  test.before(() => {
    fs.writeFileSync(image, '');
    fs.truncateSync(image, bytes);
    execFileSync(fsType === 'xfs' ? 'mkfs.xfs' : 'mkfs.btrfs', fsType === 'xfs' ? ['-q', '-f', '-m', 'reflink=1', image] : ['-q', '-f', image]);
    fs.mkdirSync(mnt);
    const loop = attachLoop(image, { autoclear: true, directIo: true });
    try {
      mount(loop.path, mnt, fsType, 0);
      mounted = true;
    } finally {
      fs.closeSync(loop.fd);
    }
  });
  test.after.always(() => {
    if (mounted) umount2(mnt);
    fs.rmSync(scratch, { recursive: true, force: true });
  });
  return () => {
    const dir = path.join(mnt, `case-${process.pid}-${cases++}`);
    fs.mkdirSync(dir);
    return dir;
  };
}
