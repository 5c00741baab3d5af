import type { DeviceRow } from './device-store.ts';
import type { Backend } from './options.ts';

/**
 * What the driver asks of a pool backend (dm-thin or reflink). Every call is synchronous and runs
 * under the device store's lock, so two processes never change one device at once.
 */
export interface DeviceBackend {
  readonly name: Backend;
  status(): Array<[string, string]>;
  /** Makes the pool ready for use (formats or mounts what is missing). */
  open(): void;
  /** Lets go of what this process holds; the pool stays only while another process uses it. */
  close(): void;
  /** Makes the base device (formatted once, empty) when it is missing. */
  ensureBase(): void;
  /** Makes `row`'s device as a copy-on-write snapshot of `origin`'s, or of the base device. */
  snapshot(row: DeviceRow, origin: DeviceRow | undefined): void;
  /** Whether `id`'s device is in use (attached or active): a snapshot of it suspends it around the snapshot. */
  busy(id: string): boolean;
  /** Deletes `id`'s device, detaching what shows it; a device that does not exist is fine. */
  delete(id: string): void;
  /** Activates the device and returns the stable path of its block device. */
  activate(row: DeviceRow): string;
  /** Whether this process holds an activation of `id` (from activate()). */
  held(id: string): boolean;
  /** Drops this process's activation (the device goes once nothing has it mounted). */
  release(id: string): void;
  /** The mount points of `id`'s device in this mount namespace. */
  mountPoints(id: string): string[];
  /** Ids of devices the pool holds (for gc's list, leftovers included). */
  deviceIds(): string[];
}
