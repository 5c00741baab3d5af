import { FailedPreconditionError } from '@layerctl/sys';

/**
 * The life of a device, as Docker's devicemapper driver and the issue name it:
 * - creating: its row is written, the device is being made (a thin device or snapshot, or an
 *   image cloned); a crash here leaves a device that the next start rolls back;
 * - active: made and usable;
 * - suspended: its I/O is held (dm-thin suspends an origin around create_snap; the reflink pool
 *   freezes a mounted origin around the clone); a crash here is resumed on the next start;
 * - removed: its removal has begun; a crash here is finished on the next start;
 * - faulty: an operation failed half-way and could not be undone; only remove() applies.
 */
export const DEVICE_STATES = ['creating', 'active', 'suspended', 'removed', 'faulty'] as const;
export type DeviceState = (typeof DEVICE_STATES)[number];

const TRANSITIONS: Record<DeviceState, readonly DeviceState[]> = {
  creating: ['active', 'removed', 'faulty'],
  active: ['suspended', 'removed', 'faulty'],
  suspended: ['active', 'faulty'],
  removed: ['faulty'],
  faulty: ['removed'],
};

export function canTransition(from: DeviceState, to: DeviceState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Refuses a transition the state machine does not have, naming the device. */
export function checkTransition(id: string, from: DeviceState, to: DeviceState): void {
  if (!canTransition(from, to)) throw new FailedPreconditionError(`devmapper device ${id} is ${from}; it cannot become ${to}`);
}

/** What the next start does with a device left in `state` by a process that died. */
export function recoveryOf(state: DeviceState): 'rollback' | 'resume' | 'finish-removal' | 'keep' {
  if (state === 'creating') return 'rollback';
  if (state === 'suspended') return 'resume';
  if (state === 'removed') return 'finish-removal';
  return 'keep';
}

export function isDeviceState(value: string): value is DeviceState {
  return DEVICE_STATES.some((s) => s === value);
}
