import { InvalidArgumentError } from '@layerctl/sys';
import { MAX_DEVICE_ID } from '../device-ids.ts';

/**
 * The dm-thin pool's target messages (Documentation/admin-guide/device-mapper/thin-provisioning.rst)
 * and the table lines of the pool and its thin devices, as Docker's devicemapper sends them.
 */

/** 512-byte sectors, the unit of every device-mapper length. */
export const SECTOR_BYTES = 512;
/** Docker's data block size: 64 KiB (128 sectors); low water mark 32768 blocks. */
export const POOL_BLOCK_SECTORS = 128;
export const LOW_WATER_MARK = 32768;

function deviceId(id: number): number {
  if (!Number.isInteger(id) || id < 0 || id > MAX_DEVICE_ID) throw new InvalidArgumentError(`dm-thin device id ${id} is not a 24-bit number`);
  return id;
}

export const createThinMessage = (id: number): string => `create_thin ${deviceId(id)}`;
export const createSnapMessage = (id: number, origin: number): string => `create_snap ${deviceId(id)} ${deviceId(origin)}`;
export const deleteMessage = (id: number): string => `delete ${deviceId(id)}`;
export const setTransactionIdMessage = (current: number, next: number): string => `set_transaction_id ${current} ${next}`;

/** The thin-pool target line: metadata device, data device, block size, low water mark, no zeroing of new blocks. */
export function poolTable(metadataDevice: string, dataDevice: string): string {
  return `${metadataDevice} ${dataDevice} ${POOL_BLOCK_SECTORS} ${LOW_WATER_MARK} 1 skip_block_zeroing`;
}

/** The thin target line of device `id` in `pool`. */
export function thinTable(poolDevice: string, id: number): string {
  return `${poolDevice} ${deviceId(id)}`;
}

export function sectors(bytes: number): bigint {
  if (bytes % SECTOR_BYTES !== 0) throw new InvalidArgumentError(`device size ${bytes} is not a whole number of ${SECTOR_BYTES}-byte sectors`);
  return BigInt(bytes / SECTOR_BYTES);
}

/** Docker's warning for loop-lvm, word for word in spirit: it is for testing only. */
export const LOOP_LVM_WARNING =
  'WARNING: devmapper: usage of loopback devices is strongly discouraged for production use. Either use devmapper.thinpooldev or accept that this pool (loop-lvm) is for testing only.';
