import fs from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { check } from './check.ts';
import { NotFoundError, SysError } from './errors.ts';
import { lastErrno, lazyBinding } from './libc.ts';
import { wrapNodeError } from './wrap-node-error.ts';

/**
 * Loop devices through their ioctls (<linux/loop.h>), without losetup(8): attach a file
 * (LOOP_CONFIGURE, or LOOP_SET_FD + LOOP_SET_STATUS64 on kernels before 5.8), direct I/O,
 * autoclear, detach (LOOP_CLR_FD), and the list of attached devices from sysfs.
 *
 * Autoclear is the kernel's own deferred removal: a device with it detaches when its last opener
 * (a descriptor or a mount) goes, so a killed process leaves no device behind, and LOOP_CLR_FD on
 * a device still mounted sets it instead of failing.
 */

export const LOOP_CONTROL = '/dev/loop-control';
export const LOOP_MAJOR = 7;

const LOOP_SET_FD = 0x4c00;
const LOOP_CLR_FD = 0x4c01;
const LOOP_SET_STATUS64 = 0x4c04;
const LOOP_SET_DIRECT_IO = 0x4c08;
const LOOP_SET_BLOCK_SIZE = 0x4c09;
const LOOP_CONFIGURE = 0x4c0a;
const LOOP_CTL_GET_FREE = 0x4c82;
/** _IO(0x12, 97) from <linux/fs.h>: write back and drop the block device's page cache. */
const BLKFLSBUF = 0x1261;

export const LO_FLAGS_READ_ONLY = 1;
export const LO_FLAGS_AUTOCLEAR = 4;
export const LO_FLAGS_DIRECT_IO = 16;

/** sizeof(struct loop_info64) and sizeof(struct loop_config) on every Linux ABI (only fixed-size fields). */
export const LOOP_INFO64_BYTES = 232;
export const LOOP_CONFIG_BYTES = 304;
/** Offsets inside struct loop_info64. */
const INFO_FLAGS_OFFSET = 52;
const INFO_FILE_NAME_OFFSET = 56;
const LO_NAME_SIZE = 64;
/** Offsets inside struct loop_config: fd, block_size, then the loop_info64. */
const CONFIG_BLOCK_SIZE_OFFSET = 4;
const CONFIG_INFO_OFFSET = 8;

/** How many times attach() retries when another process takes the free device first. */
const ATTACH_ATTEMPTS = 16;

interface LoopLibc {
  /** ioctl with a struct argument (loop_config, loop_info64). */
  ioctlPtr(fd: number, request: number, arg: Buffer): number;
  /** ioctl with a number argument (a descriptor, a flag, a block size). */
  ioctlLong(fd: number, request: number, arg: number): number;
}

const bind = lazyBinding(
  (lib): LoopLibc => ({
    ioctlPtr: lib.func('int ioctl(int fd, unsigned long request, void *arg)'),
    ioctlLong: lib.func('int ioctl(int fd, unsigned long request, unsigned long arg)'),
  }),
);

export interface LoopOptions {
  readOnly?: boolean;
  /** Read and write the backing file with O_DIRECT: no second copy in the page cache. */
  directIo?: boolean;
  /** Detach when the last opener goes (see the top of this file). */
  autoclear?: boolean;
  /** The device's logical block size; 0 keeps the kernel's 512. Direct I/O wants the backing filesystem's block size. */
  blockSize?: number;
}

export interface LoopDevice {
  /** /dev/loopN */
  path: string;
  number: number;
  /** Whether the kernel took direct I/O (it falls back to buffered I/O when the backing file cannot do it). */
  directIo: boolean;
}

/** The struct loop_info64 bytes for a backing file: flags and the (truncated) file name; everything else zero. */
export function loopInfo64(file: string, flags: number): Buffer {
  const info = Buffer.alloc(LOOP_INFO64_BYTES);
  info.writeUInt32LE(flags, INFO_FLAGS_OFFSET);
  Buffer.from(file).copy(info, INFO_FILE_NAME_OFFSET, 0, LO_NAME_SIZE - 1);
  return info;
}

/** The struct loop_config bytes for LOOP_CONFIGURE. */
export function loopConfig(fd: number, blockSize: number, file: string, flags: number): Buffer {
  const config = Buffer.alloc(LOOP_CONFIG_BYTES);
  config.writeUInt32LE(fd, 0);
  config.writeUInt32LE(blockSize, CONFIG_BLOCK_SIZE_OFFSET);
  loopInfo64(file, flags).copy(config, CONFIG_INFO_OFFSET);
  return config;
}

export function loopFlags(opts: LoopOptions): number {
  return (opts.readOnly === true ? LO_FLAGS_READ_ONLY : 0) | (opts.autoclear === true ? LO_FLAGS_AUTOCLEAR : 0) | (opts.directIo === true ? LO_FLAGS_DIRECT_IO : 0);
}

/**
 * Attaches `file` to a free loop device and returns it with its descriptor still open: the
 * caller closes `fd` once it holds the device otherwise (a mount), which with autoclear is what
 * keeps the device alive.
 */
export function attachLoop(file: string, opts: LoopOptions = {}): LoopDevice & { fd: number } {
  const backing = openFile(file, opts.readOnly === true ? fs.constants.O_RDONLY : fs.constants.O_RDWR);
  try {
    for (let attempt = 0; attempt < ATTACH_ATTEMPTS; attempt++) {
      const number = freeLoopNumber();
      const devicePath = `/dev/loop${number}`;
      const fd = openFile(devicePath, opts.readOnly === true ? fs.constants.O_RDONLY : fs.constants.O_RDWR);
      try {
        configure(fd, backing, file, opts);
      } catch (err) {
        fs.closeSync(fd);
        // EBUSY: another process configured this free device first; take the next one.
        if (err instanceof SysError && err.code === 'EBUSY') continue;
        throw err;
      }
      // A loop number is reused as soon as it is free: pages the previous backing file left in
      // the device's own page cache must not be read as this file's blocks.
      check(bind().ioctlLong(fd, BLKFLSBUF, 0), 'ioctl(BLKFLSBUF)', devicePath);
      return { path: devicePath, number, fd, directIo: loopDirectIo(number) };
    }
    throw new SysError('ioctl(LOOP_CONFIGURE)', constants.errno.EBUSY, file, { message: `attach ${file}: every free loop device was taken by another process ${ATTACH_ATTEMPTS} times in a row` });
  } finally {
    fs.closeSync(backing);
  }
}

function configure(fd: number, backing: number, file: string, opts: LoopOptions): void {
  const { ioctlPtr, ioctlLong } = bind();
  const flags = loopFlags(opts);
  const blockSize = opts.blockSize ?? 0;
  if (ioctlPtr(fd, LOOP_CONFIGURE, loopConfig(backing, blockSize, file, flags)) === 0) return;
  const err = new SysError('ioctl(LOOP_CONFIGURE)', lastErrno(), file);
  // Kernels before 5.8 have no LOOP_CONFIGURE: the same in four calls.
  if (err.code !== 'EINVAL' && err.code !== 'ENOTTY') throw err;
  check(ioctlLong(fd, LOOP_SET_FD, backing), 'ioctl(LOOP_SET_FD)', file);
  try {
    check(ioctlPtr(fd, LOOP_SET_STATUS64, loopInfo64(file, flags & ~LO_FLAGS_DIRECT_IO)), 'ioctl(LOOP_SET_STATUS64)', file);
    if (blockSize !== 0) check(ioctlLong(fd, LOOP_SET_BLOCK_SIZE, blockSize), 'ioctl(LOOP_SET_BLOCK_SIZE)', file);
    // Refused where the backing file cannot do O_DIRECT; the device then works buffered.
    if (opts.directIo === true) ioctlLong(fd, LOOP_SET_DIRECT_IO, 1);
  } catch (e) {
    ioctlLong(fd, LOOP_CLR_FD, 0);
    throw e;
  }
}

/** LOOP_CTL_GET_FREE: the number of a free loop device, which the kernel makes when none is free. */
export function freeLoopNumber(): number {
  const control = openFile(LOOP_CONTROL, fs.constants.O_RDWR);
  try {
    return check(bind().ioctlLong(control, LOOP_CTL_GET_FREE, 0), 'ioctl(LOOP_CTL_GET_FREE)', LOOP_CONTROL);
  } finally {
    fs.closeSync(control);
  }
}

/**
 * Detaches /dev/loopN (LOOP_CLR_FD). A device still mounted or open is not torn away: the kernel
 * marks it autoclear and detaches it when the last user goes. A device with nothing attached
 * (ENXIO) is already where this call wants it.
 */
export function detachLoop(number: number): void {
  const devicePath = `/dev/loop${number}`;
  let fd: number;
  try {
    fd = fs.openSync(devicePath, fs.constants.O_RDONLY);
  } catch (err) {
    const wrapped = wrapNodeError(err, devicePath);
    if (wrapped instanceof SysError && (wrapped.code === 'ENOENT' || wrapped.code === 'ENXIO')) return;
    throw wrapped;
  }
  try {
    if (bind().ioctlLong(fd, LOOP_CLR_FD, 0) === 0) return;
    const errno = lastErrno();
    if (errno !== constants.errno.ENXIO) throw new SysError('ioctl(LOOP_CLR_FD)', errno, devicePath);
  } finally {
    fs.closeSync(fd);
  }
}

const SYS_BLOCK = '/sys/block';

/** The backing file of /dev/loopN as the kernel names it (" (deleted)" appended once unlinked), or undefined when detached. */
export function loopBackingFile(number: number): string | undefined {
  try {
    return fs.readFileSync(path.join(SYS_BLOCK, `loop${number}`, 'loop', 'backing_file'), 'utf8').trimEnd();
  } catch (err) {
    const wrapped = wrapNodeError(err);
    // ENODEV, ENXIO: the device is being detached right now.
    if (wrapped instanceof SysError && (wrapped.code === 'ENOENT' || wrapped.code === 'ENODEV' || wrapped.code === 'ENXIO')) return undefined;
    throw wrapped;
  }
}

/** Whether /dev/loopN does direct I/O on its backing file. */
export function loopDirectIo(number: number): boolean {
  try {
    return fs.readFileSync(path.join(SYS_BLOCK, `loop${number}`, 'loop', 'dio'), 'utf8').trim() === '1';
  } catch (err) {
    throw new NotFoundError(`/dev/loop${number} has no backing file (detached): ${String(wrapNodeError(err))}`);
  }
}

/** Every attached loop device with its backing file. */
export function attachedLoops(): Array<{ number: number; backingFile: string }> {
  const found: Array<{ number: number; backingFile: string }> = [];
  for (const name of fs.readdirSync(SYS_BLOCK)) {
    const match = /^loop(\d+)$/.exec(name);
    if (match?.[1] === undefined) continue;
    const number = Number(match[1]);
    const backingFile = loopBackingFile(number);
    if (backingFile !== undefined) found.push({ number, backingFile });
  }
  return found.sort((a, b) => a.number - b.number);
}

function openFile(file: string, flags: number): number {
  try {
    return fs.openSync(file, flags);
  } catch (err) {
    throw wrapNodeError(err, file);
  }
}
