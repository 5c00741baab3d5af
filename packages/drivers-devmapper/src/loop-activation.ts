import fs from 'node:fs';
import path from 'node:path';
import { attachedLoops, attachLoop, loopBackingFile, LOOP_MAJOR, wrapNodeError } from '@layerctl/sys';
import { DEVICE_BLOCK_SIZE } from './device-fs.ts';

/** The kernel appends this to a loop device's backing file name once the file is unlinked. */
const DELETED_SUFFIX = ' (deleted)';

/**
 * Activation of reflink devices: an image attached to a loop device (direct I/O, autoclear) and
 * a stable name for it, <root>/devicemapper/dev/<id>, a symlink to /dev/loopN that the kernel
 * follows when it mounts. Mount data names the symlink, so it stays the same whichever loop
 * device an activation gets.
 *
 * A device is attached with autoclear and held by a descriptor of this process: it lives while
 * this process holds it or anything has it mounted, and no longer. So a killed layerctl leaves
 * no device that nothing uses, and "deactivate" is closing the descriptor. Callers serialise
 * activate() across processes (the device store's lock): an image must never be attached twice,
 * so an activation first looks for a device that already shows the image and pins that one.
 */
export class LoopActivations {
  readonly #devDir: string;
  readonly #held = new Map<string, { number: number; fd: number; image: string }>();

  constructor(devDir: string) {
    this.#devDir = devDir;
  }

  /** The stable device path of a layer (a symlink to its loop device while active). */
  devicePath(id: string): string {
    return path.join(this.#devDir, id);
  }

  /** Attaches (or pins the device already showing) `image`; returns the loop device number. */
  activate(id: string, image: string, readonly: boolean): number {
    const held = this.#held.get(id);
    if (held !== undefined && loopBackingFile(held.number) === image) return held.number;
    if (held !== undefined) this.release(id);
    const pinned = pinAttached(image) ?? attachFresh(image, readonly);
    this.#held.set(id, { ...pinned, image });
    this.#link(id, pinned.number);
    return pinned.number;
  }

  isHeld(id: string): boolean {
    return this.#held.has(id);
  }

  /** Lets go of this process's hold: the device detaches now unless something has it mounted. */
  release(id: string): void {
    const held = this.#held.get(id);
    if (held === undefined) return;
    this.#held.delete(id);
    fs.closeSync(held.fd);
  }

  releaseAll(): void {
    for (const id of [...this.#held.keys()]) this.release(id);
  }

  /**
   * The loop device showing `image` through the stable name, without scanning every loop device
   * (a sysfs walk costs milliseconds): every activation, in any process, goes through activate()
   * under the store's lock and points the name at its device.
   */
  linked(id: string, image: string): number[] {
    let target: string;
    try {
      target = fs.readlinkSync(this.devicePath(id));
    } catch {
      return [];
    }
    const number = Number(/^\/dev\/loop(\d+)$/.exec(target)?.[1] ?? NaN);
    if (!Number.isInteger(number)) return [];
    const backing = loopBackingFile(number);
    return backing === image || backing === `${image}${DELETED_SUFFIX}` ? [number] : [];
  }

  /** Drops the stable name (the layer is gone). */
  unlink(id: string): void {
    fs.rmSync(this.devicePath(id), { force: true });
  }

  #link(id: string, number: number): void {
    fs.mkdirSync(this.#devDir, { recursive: true, mode: 0o700 });
    const link = this.devicePath(id);
    const target = `/dev/loop${number}`;
    let current: string | undefined;
    try {
      current = fs.readlinkSync(link);
    } catch {
      current = undefined;
    }
    if (current === target) return;
    const pending = `${link}.${process.pid}`;
    fs.rmSync(pending, { force: true });
    fs.symlinkSync(target, pending);
    fs.renameSync(pending, link);
  }
}

/** Loop devices whose backing file is `image`, unlinked or not. */
export function loopsOf(image: string): number[] {
  return attachedLoops()
    .filter((loop) => loop.backingFile === image || loop.backingFile === `${image}${DELETED_SUFFIX}`)
    .map((loop) => loop.number);
}

/** Loop devices whose backing file lies in `dir`, with the file's name. */
export function loopsUnder(dir: string): Array<{ number: number; file: string; deleted: boolean }> {
  return attachedLoops()
    .filter((loop) => loop.backingFile.startsWith(`${dir}/`))
    .map((loop) => {
      const deleted = loop.backingFile.endsWith(DELETED_SUFFIX);
      return { number: loop.number, file: deleted ? loop.backingFile.slice(0, -DELETED_SUFFIX.length) : loop.backingFile, deleted };
    });
}

/** Opens the device that already shows `image`, checked again once open (it may have been reused in between). */
function pinAttached(image: string): { number: number; fd: number } | undefined {
  for (const number of loopsOf(image)) {
    let fd: number;
    try {
      fd = fs.openSync(`/dev/loop${number}`, fs.constants.O_RDONLY);
    } catch (err) {
      const code = err instanceof Error && 'code' in err ? err.code : undefined;
      if (code === 'ENXIO' || code === 'ENOENT') continue;
      throw wrapNodeError(err, `/dev/loop${number}`);
    }
    if (loopBackingFile(number) === image) return { number, fd };
    fs.closeSync(fd);
  }
  return undefined;
}

function attachFresh(image: string, readonly: boolean): { number: number; fd: number } {
  const loop = attachLoop(image, { autoclear: true, directIo: true, readOnly: readonly, blockSize: DEVICE_BLOCK_SIZE });
  return { number: loop.number, fd: loop.fd };
}

/** Mount points (any, in this mount namespace) of the filesystem on /dev/loopN: mountinfo field 3 is its major:minor. */
export function loopMountPoints(number: number): string[] {
  const dev = `${LOOP_MAJOR}:${number}`;
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => fields[2] === dev)
    .map((fields) => (fields[4] ?? '').replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))));
}
