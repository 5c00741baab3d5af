import { check } from './check.ts';
import { SysError } from './errors.ts';
import { lazyBinding } from './libc.ts';
import { capbsetRead } from './prctl.ts';

/** _LINUX_CAPABILITY_VERSION_3: 64-bit sets carried as two 32-bit words each. */
const CAPABILITY_VERSION_3 = 0x20080522;
const HEADER_BYTES = 8;
/** Two `struct __user_cap_data_struct` { effective, permitted, inheritable } of u32 each. */
const DATA_BYTES = 24;
/** Capability sets are 64 bits wide. */
const MAX_CAPABILITY_BITS = 63;
const EINVAL = 22;

/** A thread's three capability sets as bit masks (bit n = capability number n). */
export interface CapabilitySets {
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
}

interface CapBinding {
  capget(header: Buffer, data: Buffer): number;
  capset(header: Buffer, data: Buffer): number;
}

const binding = lazyBinding<CapBinding>((lib) => ({
  capget: lib.func('int capget(void *header, void *data)'),
  capset: lib.func('int capset(void *header, const void *data)'),
}));

/** The header for the calling thread (pid 0). */
function header(): Buffer {
  const buf = Buffer.alloc(HEADER_BYTES);
  buf.writeUInt32LE(CAPABILITY_VERSION_3, 0);
  buf.writeInt32LE(0, 4);
  return buf;
}

function word(data: Buffer, set: number): bigint {
  return BigInt(data.readUInt32LE(set * 4)) | (BigInt(data.readUInt32LE(12 + set * 4)) << 32n);
}

function putWord(data: Buffer, set: number, mask: bigint): void {
  data.writeUInt32LE(Number(mask & 0xffffffffn), set * 4);
  data.writeUInt32LE(Number((mask >> 32n) & 0xffffffffn), 12 + set * 4);
}

/** capget(2) for the calling thread. Capabilities are per thread: this is the caller's own. */
export function capget(): CapabilitySets {
  const data = Buffer.alloc(DATA_BYTES);
  check(binding().capget(header(), data), 'capget');
  return { effective: word(data, 0), permitted: word(data, 1), inheritable: word(data, 2) };
}

/**
 * capset(2) for the calling thread. The kernel refuses (EPERM) a permitted set that is not a
 * subset of the current one, an effective set outside the new permitted, and an inheritable set
 * beyond permitted + bounding without CAP_SETPCAP.
 */
export function capset(sets: CapabilitySets): void {
  const data = Buffer.alloc(DATA_BYTES);
  putWord(data, 0, sets.effective);
  putWord(data, 1, sets.permitted);
  putWord(data, 2, sets.inheritable);
  check(binding().capset(header(), data), 'capset');
}

let lastCap: number | undefined;

/**
 * The highest capability number this kernel knows (40 = CAP_CHECKPOINT_RESTORE on 5.9+): the
 * last one PR_CAPBSET_READ accepts (it answers EINVAL past the end). Asked of the kernel rather
 * than read from /proc/sys/kernel/cap_last_cap, which after pivot_root is the container's /proc
 * or, without a proc mount, a path in the image.
 */
export function capLastCap(): number {
  if (lastCap === undefined) {
    let cap = 0;
    while (cap < MAX_CAPABILITY_BITS && capbsetKnown(cap + 1)) cap++;
    lastCap = cap;
  }
  return lastCap;
}

function capbsetKnown(cap: number): boolean {
  try {
    capbsetRead(cap);
    return true;
  } catch (error) {
    if (error instanceof SysError && error.errno === EINVAL) return false;
    throw error;
  }
}
