import { check } from './check.ts';
import { lazyBinding } from './libc.ts';

/** The device-mapper control node every dm ioctl goes through (<linux/dm-ioctl.h>). */
export const DM_CONTROL_PATH = '/dev/mapper/control';

interface DmLibc {
  ioctlPtr(fd: number, request: number, arg: Buffer): number;
}

const bind = lazyBinding(
  (lib): DmLibc => ({
    ioctlPtr: lib.func('int ioctl(int fd, unsigned long request, void *arg)'),
  }),
);

/**
 * One device-mapper ioctl: `buffer` holds a struct dm_ioctl (and its targets or message) on the
 * way in, and the kernel's answer on the way out, in place. The encoding is the caller's
 * (drivers-devmapper/src/dm-thin/dm-ioctl.ts); this is only the system call.
 */
export function dmIoctl(controlFd: number, request: number, buffer: Buffer): void {
  check(bind().ioctlPtr(controlFd, request, buffer), 'ioctl(device-mapper)', DM_CONTROL_PATH);
}
