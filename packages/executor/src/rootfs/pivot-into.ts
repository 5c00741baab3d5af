import { MNT_DETACH, pivotRoot, umount2 } from '@layerctl/sys';
import { procFdPath } from './proc-fd-path.ts';

/**
 * Makes the root open at `rootFd` the calling thread's `/`: pivot_root(".", ".") stacks the old
 * root on top of the new one, and a detached unmount of "." takes it away, so nothing of the host
 * stays reachable. Never chroot, which leaves the old root mounted under the process: pivot_root
 * fails only when the new root is not a mount point or sits under a shared mount, and the init
 * makes sure of neither (rprivate, then the rootfs bound on itself).
 */
export function pivotInto(rootFd: number): void {
  process.chdir(procFdPath(rootFd));
  pivotRoot('.', '.');
  umount2('.', MNT_DETACH);
  process.chdir('/');
}
