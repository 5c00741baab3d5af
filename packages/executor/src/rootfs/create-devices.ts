import fs from 'node:fs';
import path from 'node:path';
import { existsInRoot, makedev, mknodInRoot, O_DIRECTORY, O_PATH, openInRoot, S_IFBLK, S_IFCHR, S_IFIFO } from '@layerctl/sys';
import { DEFAULT_DEV_SYMLINKS, DEFAULT_DEVICES } from '../spec/default-devices.ts';
import type { Device } from '../spec/runtime-spec.ts';
import { makeDestination, withDestination } from './mount-in-root.ts';
import { procFdPath } from './proc-fd-path.ts';
import { mount, MS_BIND } from '@layerctl/sys';

const DEVICE_TYPES: Readonly<Record<Device['type'], number>> = { c: S_IFCHR, u: S_IFCHR, b: S_IFBLK, p: S_IFIFO };

/**
 * Makes the default device nodes and the spec's own in the container's /dev (a tmpfs mounted
 * already), then the usual symlinks (/dev/fd, /dev/ptmx -> pts/ptmx...). Nodes are made by mknod,
 * not bound from the host: without a user namespace the init may, and a node is then the
 * container's own. A path listed twice is made once, the spec's entry winning.
 */
export function createDevices(rootFd: number, devices: readonly Device[]): void {
  const byPath = new Map<string, Device>();
  for (const device of [...DEFAULT_DEVICES, ...devices]) byPath.set(path.posix.normalize(device.path), device);
  for (const device of byPath.values()) createDevice(rootFd, device);
  for (const link of DEFAULT_DEV_SYMLINKS) {
    if (existsInRoot(rootFd, link.path)) continue;
    const dirFd = openInRoot(rootFd, path.posix.dirname(link.path), O_PATH | O_DIRECTORY);
    try {
      // The new name is made literally inside the directory the descriptor holds.
      fs.symlinkSync(link.target, path.join(procFdPath(dirFd), path.posix.basename(link.path)));
    } finally {
      fs.closeSync(dirFd);
    }
  }
}

function createDevice(rootFd: number, device: Device): void {
  if (existsInRoot(rootFd, device.path)) return;
  const mode = device.fileMode ?? 0o666;
  mknodInRoot(rootFd, device.path, DEVICE_TYPES[device.type] | (mode & 0o7777), makedev(device.major ?? 0, device.minor ?? 0));
  withDestination(rootFd, device.path, false, (target) => {
    fs.chmodSync(target, mode & 0o7777);
    fs.chownSync(target, device.uid ?? 0, device.gid ?? 0);
  });
}

/**
 * Binds the init's terminal (its stdin, the pty slave) onto /dev/console, as runc does. By its
 * path, not through /proc/self/fd/0: the descriptor was opened in the host's mount namespace,
 * and a bind source must be a mount of the caller's own (the copy unshare made), else EINVAL.
 */
export function bindConsole(rootFd: number): void {
  const slave = fs.readlinkSync(procFdPath(0));
  makeDestination(rootFd, '/dev/console', false);
  withDestination(rootFd, '/dev/console', false, (target) => mount(slave, target, null, MS_BIND));
}
