import { FailedPreconditionError, SysError } from '@layerctl/sys';
import type { DeviceBackend } from '../device-backend.ts';
import { mkfsCommand } from '../device-fs.ts';
import type { DeviceRow } from '../device-store.ts';
import type { DevmapperOptions } from '../options.ts';
import { runTool } from '../run-tool.ts';
import type { DmControl } from './dm-control.ts';
import { KernelDmControl } from './kernel-dm-control.ts';
import { decodeDmIoctl, DM_DEFERRED_REMOVE, DM_READONLY_FLAG, DM_SUSPEND_FLAG } from './dm-ioctl.ts';
import { createSnapMessage, createThinMessage, deleteMessage, LOOP_LVM_WARNING, sectors, setTransactionIdMessage, thinTable } from './thin-messages.ts';

/** Device-mapper names of this driver's devices: one pool per root, a thin device per layer. */
const NAME_PREFIX = 'layerctl';
/** The base device's id in the pool; layers get ids from the store (1 up). */
export const BASE_DEVICE_ID = 0;
/** The name the base device is activated under while it is formatted. */
const BASE_LAYER = 'base';

/** Puts a file system on a freshly made block device (mkfs.ext4 or mkfs.xfs). */
export type FormatDevice = (device: string) => void;

/** What `layerctl info` says of this backend on every host: its kernel path has not run here. */
export function dmThinStatus(inUse: boolean): Array<[string, string]> {
  const tested = 'written to the device-mapper interface and tested without a kernel device-mapper (ioctl structures, messages, sequences, rollback); untested against a real dm-thin pool on this host';
  return [['dm-thin', inUse ? `in use: ${tested}` : `not in use: ${tested}`]];
}

/**
 * The dm-thin backend: a thin pool (the user's, devmapper.thinpooldev, or loop-lvm: sparse data
 * and metadata files on loop devices, with Docker's loud warning), a thin device per layer.
 * - a base layer is `create_thin` of the base device's snapshot chain root, formatted once;
 * - a snapshot is `create_snap <id> <origin>`, with the origin suspended (its filesystem frozen
 *   and I/O held) around the message when it is active, and resumed after, even on failure;
 * - every pool change moves the pool's transaction id (`set_transaction_id`), so a change whose
 *   row never reached the store is known and rolled back on the next start;
 * - delete removes the device with deferred removal when busy, then sends `delete <id>`.
 */
export class DmThinBackend implements DeviceBackend {
  readonly name = 'dm-thin';
  readonly #opts: DevmapperOptions;
  readonly #control: DmControl;
  readonly #format: FormatDevice;
  readonly #poolName: string;
  /** Transaction id the pool holds, as this process last set it. */
  #transactionId = 0;
  readonly warnings: string[] = [];

  constructor(home: string, opts: DevmapperOptions, control: DmControl = new KernelDmControl(), format?: FormatDevice) {
    this.#opts = opts;
    this.#control = control;
    this.#format = format ?? ((device) => runTool(...mkfsCommand(opts.fs, device)));
    this.#poolName = opts.thinPoolDevice ?? `${NAME_PREFIX}-${Buffer.from(home).toString('base64url').slice(-24)}-pool`;
    if (opts.thinPoolDevice === undefined) this.warnings.push(LOOP_LVM_WARNING);
  }

  status(): Array<[string, string]> {
    return [
      ['Backend', 'dm-thin (thin devices in a device-mapper thin pool)'],
      ['Pool Name', this.#poolName],
      ['Pool', this.#opts.thinPoolDevice === undefined ? 'loop-lvm (sparse data and metadata files on loop devices: for testing only)' : this.#opts.thinPoolDevice],
      ['Base Device Size', String(this.#opts.baseSize)],
      ['Base Device Filesystem', this.#opts.fs],
      ...this.warnings.map((w): [string, string] => ['Warning', w]),
    ];
  }

  open(): void {
    const status = this.#control.call('DEV_STATUS', { name: this.#poolName });
    if (decodeDmIoctl(status).targetCount === 0) throw new FailedPreconditionError(`devmapper: thin pool ${this.#poolName} has no table loaded`);
  }

  close(): void {
    // dm devices are kernel objects named by the pool; nothing is held per process.
  }

  /**
   * create_thin of the base device, then one activation to format it; every layer's device is a
   * snapshot of it. The pool answers EEXIST when an earlier run made it. A failed format takes the
   * device away again, so the next try starts from nothing.
   */
  ensureBase(): void {
    try {
      this.#message(createThinMessage(BASE_DEVICE_ID));
    } catch (err) {
      if (err instanceof SysError && err.code === 'EEXIST') return;
      throw err;
    }
    const base: DeviceRow = { id: BASE_LAYER, deviceId: BASE_DEVICE_ID, parent: undefined, state: 'creating', readonly: false, transactionId: this.#transactionId, ownerPid: process.pid };
    try {
      this.#format(this.activate(base));
    } catch (err) {
      this.delete(BASE_LAYER);
      this.deleteDeviceId(BASE_DEVICE_ID);
      throw err;
    }
    this.delete(BASE_LAYER);
  }

  /** create_snap of `origin` (or of the base device) as `row`'s device id, the origin suspended around it. */
  snapshot(row: DeviceRow, origin: DeviceRow | undefined): void {
    const originId = origin?.deviceId ?? BASE_DEVICE_ID;
    const originName = origin === undefined ? undefined : this.deviceName(origin.id);
    const active = originName !== undefined && this.#exists(originName);
    if (active) this.#control.call('DEV_SUSPEND', { name: originName, flags: DM_SUSPEND_FLAG });
    try {
      this.#message(createSnapMessage(row.deviceId, originId));
    } finally {
      if (active) this.#control.call('DEV_SUSPEND', { name: originName });
    }
    this.#moveTransaction(row.transactionId);
  }

  /** A thin device without an origin (what the base device starts as). */
  createThin(deviceId: number, transactionId: number): void {
    this.#message(createThinMessage(deviceId));
    this.#moveTransaction(transactionId);
  }

  delete(id: string): void {
    const name = this.deviceName(id);
    if (this.#exists(name)) this.#control.call('DEV_REMOVE', { name, flags: DM_DEFERRED_REMOVE });
  }

  /** Sends `delete` for a device id once its device is gone (the store knows the id; delete(id) does not). */
  deleteDeviceId(deviceId: number): void {
    this.#message(deleteMessage(deviceId));
  }

  activate(row: DeviceRow): string {
    const name = this.deviceName(row.id);
    if (!this.#exists(name)) {
      this.#control.call('DEV_CREATE', { name, flags: row.readonly ? DM_READONLY_FLAG : 0 });
      this.#control.call('TABLE_LOAD', {
        name,
        flags: row.readonly ? DM_READONLY_FLAG : 0,
        targets: [{ sectorStart: 0n, length: sectors(this.#opts.baseSize), type: 'thin', params: thinTable(`/dev/mapper/${this.#poolName}`, row.deviceId) }],
      });
      // Resuming a device with a loaded table makes that table live.
      this.#control.call('DEV_SUSPEND', { name });
    }
    return `/dev/mapper/${name}`;
  }

  release(id: string): void {
    // Deactivation of a thin device is a deferred remove: it goes when its last opener does.
    this.delete(id);
  }

  busy(id: string): boolean {
    return this.#exists(this.deviceName(id));
  }

  held(id: string): boolean {
    return this.#exists(this.deviceName(id));
  }

  mountPoints(): string[] {
    return [];
  }

  deviceIds(): string[] {
    return [];
  }

  deviceName(id: string): string {
    return `${this.#poolName.replace(/-pool$/, '')}-${id}`;
  }

  #moveTransaction(next: number): void {
    if (next <= this.#transactionId) return;
    this.#message(setTransactionIdMessage(this.#transactionId, next));
    this.#transactionId = next;
  }

  #message(message: string): void {
    this.#control.call('TARGET_MSG', { name: this.#poolName, message });
  }

  #exists(name: string): boolean {
    try {
      this.#control.call('DEV_STATUS', { name });
      return true;
    } catch (err) {
      if (err instanceof SysError && err.code === 'ENXIO') return false;
      throw err;
    }
  }
}
