import type { DmCommand, DmIoctlInput } from './dm-ioctl.ts';

/**
 * How the dm-thin backend reaches the kernel: one device-mapper ioctl on /dev/mapper/control
 * with an encoded struct dm_ioctl (dm-ioctl.ts), returning the buffer the kernel wrote back.
 * The backend is written against this, so its sequences (suspend, message, resume; deferred
 * removal; rollback) are checked on hosts without device-mapper by a recording control.
 */
export interface DmControl {
  call(command: DmCommand, input: DmIoctlInput): Buffer;
}
