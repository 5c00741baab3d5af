import path from 'node:path';
import { makedev, S_IFBLK, S_IFCHR, S_IFIFO } from '@layerctl/sys';
import { type InitOp, initOp } from '../init/init-plan.ts';
import { DEFAULT_DEV_SYMLINKS, DEFAULT_DEVICES } from '../spec/default-devices.ts';
import type { Device } from '../spec/runtime-spec.ts';
import { makeDestination } from './mount-in-root.ts';

const DEVICE_TYPES: Readonly<Record<Device['type'], number>> = { c: S_IFCHR, u: S_IFCHR, b: S_IFBLK, p: S_IFIFO };
const CONSOLE = '/dev/console';

/**
 * The plan for the default device nodes and the spec's own in the container's /dev (a tmpfs
 * mounted already), then the usual symlinks (/dev/fd, /dev/ptmx -> pts/ptmx...). Nodes are made
 * by mknod, not bound from the host: without a user namespace the init may, and a node is then
 * the container's own. A path listed twice is made once, the spec's entry winning; a path that
 * exists already is left as it is.
 */
export function createDevicesPlan(devices: readonly Device[]): InitOp[] {
  const byPath = new Map<string, Device>();
  for (const device of [...DEFAULT_DEVICES, ...devices]) byPath.set(path.posix.normalize(device.path), device);
  const ops = [...byPath.values()].map((device) => {
    const mode = (device.fileMode ?? 0o666) & 0o7777;
    const dev = makedev(device.major ?? 0, device.minor ?? 0);
    return initOp('mknod_in_root', device.path, DEVICE_TYPES[device.type] | mode, dev, device.uid ?? 0, device.gid ?? 0);
  });
  for (const link of DEFAULT_DEV_SYMLINKS) ops.push(initOp('symlink_in_root', link.path, link.target));
  return ops;
}

/** Binds the init's terminal (the pty slave on its stdin) onto /dev/console, as runc does. */
export function bindConsolePlan(): InitOp[] {
  return [...makeDestination(CONSOLE, false), initOp('console_in_root', CONSOLE)];
}
