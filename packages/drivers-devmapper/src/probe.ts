import fs from 'node:fs';
import { capget, FailedPreconditionError } from '@layerctl/sys';
import type { Backend } from './options.ts';

export const DM_CONTROL = '/dev/mapper/control';
const PROC_MISC = '/proc/misc';

/** Which backend serves: the forced one, else dm-thin where the kernel has device-mapper, else reflink. */
export function probeBackend(forced: Backend | undefined): { backend: Backend; why: string } {
  if (forced !== undefined) return { backend: forced, why: `option devmapper.backend=${forced}` };
  if (hasDeviceMapper()) return { backend: 'dm-thin', why: `probe: the kernel has device-mapper (${DM_CONTROL})` };
  return { backend: 'reflink', why: `probe: no device-mapper here (no ${DM_CONTROL}, no device-mapper in ${PROC_MISC}); the reflink pool stands in` };
}

export function hasDeviceMapper(): boolean {
  if (fs.existsSync(DM_CONTROL)) return true;
  try {
    return /^\s*\d+ device-mapper$/m.test(fs.readFileSync(PROC_MISC, 'utf8'));
  } catch {
    // No /proc/misc (a container without /proc): no device-mapper we could reach either.
    return false;
  }
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
