import fs from 'node:fs';
import { capget, FailedPreconditionError } from '@layerctl/sys';
import type { Backend } from './options.ts';

export const DM_CONTROL = '/dev/mapper/control';
const PROC_MISC = '/proc/misc';

/** Which backend serves: the forced one, else dm-thin where the kernel has device-mapper, else reflink. */
export function probeBackend(forced: Backend | undefined): { backend: Backend; why: string } {
  if (forced !== undefined) return { backend: forced, why: `option devmapper.backend=${forced}` };
  if (hasDeviceMapper()) return { backend: 'dm-thin', why: `probe: the kernel has device-mapper (${DM_CONTROL})` };
  return { backend: 'reflink', why: `probe: no device-mapper here (none in ${PROC_MISC}); the reflink pool stands in` };
}

/**
 * Whether the running kernel has device-mapper. /proc/misc says so (its misc device is registered);
 * the control node alone does not: libdevmapper (dmsetup, podman's storage library) makes
 * /dev/mapper/control whenever it looks, and on a kernel without device-mapper that node then
 * answers ENODEV. Only without a readable /proc/misc does the node decide.
 */
export function hasDeviceMapper(controlPath = DM_CONTROL, miscPath = PROC_MISC): boolean {
  let misc: string;
  try {
    misc = fs.readFileSync(miscPath, 'utf8');
  } catch {
    // No /proc/misc (a container without /proc): the node is all there is to go by.
    return fs.existsSync(controlPath);
  }
  return /^\s*\d+ device-mapper$/m.test(misc);
}

/** CAP_SYS_ADMIN's bit in the capability sets (linux/capability.h). */
const CAP_SYS_ADMIN = 21n;

/**
 * Every device is a loop device and a mount, both of which need CAP_SYS_ADMIN; without it the
 * driver would seem to work until its first layer, so init refuses at once, as overlay2's probe
 * mount does.
 */
export function checkCanMount(): void {
  if ((capget().effective >> CAP_SYS_ADMIN) & 1n) return;
  throw new FailedPreconditionError('devmapper needs CAP_SYS_ADMIN to attach loop devices and mount their file systems, and this process lacks it');
}
