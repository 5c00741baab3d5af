import { InvalidArgumentError } from '@layerctl/sys';

/**
 * The device-mapper ioctl interface (<linux/dm-ioctl.h>, version 4): the struct dm_ioctl header,
 * the struct dm_target_spec that follows it for DM_TABLE_LOAD, and struct dm_target_msg for
 * DM_TARGET_MSG, encoded byte for byte. Every field is fixed-size, so the layout is the same on
 * every Linux ABI (sizeof(struct dm_ioctl) = 312, dm_target_spec = 40).
 */

export const DM_VERSION = [4, 0, 0] as const;
export const DM_IOCTL_BYTES = 312;
export const DM_TARGET_SPEC_BYTES = 40;
export const DM_NAME_LEN = 128;
export const DM_UUID_LEN = 129;
const DM_MAX_TYPE_NAME = 16;
/** The kernel's data area starts after the header; it wants 8-byte alignment for what follows. */
const ALIGN = 8;

/** Command numbers (enum in dm-ioctl.h). */
export const DM_COMMANDS = {
  VERSION: 0,
  REMOVE_ALL: 1,
  LIST_DEVICES: 2,
  DEV_CREATE: 3,
  DEV_REMOVE: 4,
  DEV_RENAME: 5,
  DEV_SUSPEND: 6,
  DEV_STATUS: 7,
  DEV_WAIT: 8,
  TABLE_LOAD: 9,
  TABLE_CLEAR: 10,
  TABLE_DEPS: 11,
  TABLE_STATUS: 12,
  LIST_VERSIONS: 13,
  TARGET_MSG: 14,
} as const;
export type DmCommand = keyof typeof DM_COMMANDS;

/** Flags of dm_ioctl.flags. */
export const DM_READONLY_FLAG = 1 << 0;
export const DM_SUSPEND_FLAG = 1 << 1;
export const DM_PERSISTENT_DEV_FLAG = 1 << 3;
export const DM_STATUS_TABLE_FLAG = 1 << 4;
export const DM_BUFFER_FULL_FLAG = 1 << 8;
export const DM_NOFLUSH_FLAG = 1 << 11;
/** Remove when the last opener closes, instead of failing with EBUSY (Linux 3.13). */
export const DM_DEFERRED_REMOVE = 1 << 17;

/** _IOWR(0xfd, nr, struct dm_ioctl): read/write, the struct's size, the dm magic, the command. */
export function dmIoctlRequest(command: DmCommand): number {
  const IOC_READ_WRITE = 3;
  return ((IOC_READ_WRITE << 30) | (DM_IOCTL_BYTES << 16) | (0xfd << 8) | DM_COMMANDS[command]) >>> 0;
}

export interface DmTarget {
  sectorStart: bigint;
  length: bigint;
  type: string;
  params: string;
}

export interface DmIoctlInput {
  name?: string;
  uuid?: string;
  flags?: number;
  /** Device number for DM_DEV_CREATE with DM_PERSISTENT_DEV_FLAG. */
  dev?: bigint;
  targets?: DmTarget[];
  /** DM_TARGET_MSG: the message and the sector it is for (0 for a pool). */
  message?: string;
  /** Room for the kernel's answer (status, table, list), past what the input needs. */
  extraBytes?: number;
}

/** The buffer handed to ioctl(fd, dmIoctlRequest(cmd), buffer): header, then targets or message, then room. */
export function encodeDmIoctl(input: DmIoctlInput): Buffer {
  const payload = input.message !== undefined ? encodeMessage(input.message) : Buffer.concat((input.targets ?? []).map(encodeTarget));
  const dataSize = DM_IOCTL_BYTES + payload.length + (input.extraBytes ?? 0);
  const buf = Buffer.alloc(dataSize);
  buf.writeUInt32LE(DM_VERSION[0], 0);
  buf.writeUInt32LE(DM_VERSION[1], 4);
  buf.writeUInt32LE(DM_VERSION[2], 8);
  buf.writeUInt32LE(dataSize, 12);
  buf.writeUInt32LE(DM_IOCTL_BYTES, 16);
  buf.writeUInt32LE(input.targets?.length ?? 0, 20);
  buf.writeUInt32LE(input.flags ?? 0, 28);
  buf.writeBigUInt64LE(input.dev ?? 0n, 40);
  writeCString(buf, 48, input.name ?? '', DM_NAME_LEN, 'name');
  writeCString(buf, 48 + DM_NAME_LEN, input.uuid ?? '', DM_UUID_LEN, 'uuid');
  payload.copy(buf, DM_IOCTL_BYTES);
  return buf;
}

/** One struct dm_target_spec and its parameter string, padded so the next spec starts aligned; `next` is the offset to it. */
export function encodeTarget(target: DmTarget): Buffer {
  const params = Buffer.from(`${target.params}\0`);
  const bytes = align(DM_TARGET_SPEC_BYTES + params.length);
  const buf = Buffer.alloc(bytes);
  buf.writeBigUInt64LE(target.sectorStart, 0);
  buf.writeBigUInt64LE(target.length, 8);
  buf.writeUInt32LE(bytes, 20);
  writeCString(buf, 24, target.type, DM_MAX_TYPE_NAME, 'target type');
  params.copy(buf, DM_TARGET_SPEC_BYTES);
  return buf;
}

/** struct dm_target_msg: the sector (0) and the NUL-terminated message. */
export function encodeMessage(message: string): Buffer {
  const text = Buffer.from(`${message}\0`);
  const buf = Buffer.alloc(align(8 + text.length));
  text.copy(buf, 8);
  return buf;
}

/** What the kernel wrote back in the header. */
export function decodeDmIoctl(buf: Buffer): { version: [number, number, number]; dataSize: number; dataStart: number; targetCount: number; openCount: number; flags: number; eventNr: number; dev: bigint; name: string } {
  return {
    version: [buf.readUInt32LE(0), buf.readUInt32LE(4), buf.readUInt32LE(8)],
    dataSize: buf.readUInt32LE(12),
    dataStart: buf.readUInt32LE(16),
    targetCount: buf.readUInt32LE(20),
    openCount: buf.readInt32LE(24),
    flags: buf.readUInt32LE(28),
    eventNr: buf.readUInt32LE(32),
    dev: buf.readBigUInt64LE(40),
    name: readCString(buf, 48, DM_NAME_LEN),
  };
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

function writeCString(buf: Buffer, offset: number, value: string, room: number, what: string): void {
  const bytes = Buffer.from(value);
  if (bytes.length >= room) throw new InvalidArgumentError(`device-mapper ${what} ${JSON.stringify(value)} is longer than ${room - 1} bytes`);
  bytes.copy(buf, offset);
}

function readCString(buf: Buffer, offset: number, room: number): string {
  const end = buf.indexOf(0, offset);
  return buf.subarray(offset, end === -1 || end > offset + room ? offset + room : end).toString();
}
