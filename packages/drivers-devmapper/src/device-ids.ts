import { FailedPreconditionError } from '@layerctl/sys';

/** dm-thin device ids are 24 bits (the pool's metadata keys them so); the reflink pool keeps the same rule. */
export const MAX_DEVICE_ID = 0xff_ff_ff;

/**
 * The next free device id after `last` (wrapping past MAX_DEVICE_ID to 1; 0 is never handed out),
 * skipping ids in use, as Docker's devicemapper walks its bitmap.
 */
export function nextDeviceId(last: number, inUse: ReadonlySet<number>): number {
  if (inUse.size >= MAX_DEVICE_ID) throw new FailedPreconditionError(`devmapper: all ${MAX_DEVICE_ID} device ids are in use`);
  let id = last;
  for (;;) {
    id = id >= MAX_DEVICE_ID ? 1 : id + 1;
    if (!inUse.has(id)) return id;
  }
}
