import fs from 'node:fs';
import { DM_CONTROL_PATH, dmIoctl, FailedPreconditionError } from '@layerctl/sys';
import type { DmControl } from './dm-control.ts';
import { dmIoctlRequest, encodeDmIoctl, type DmCommand, type DmIoctlInput } from './dm-ioctl.ts';

/**
 * The DmControl of a host with device-mapper: each call is one ioctl on the control node, with
 * the buffer encoded by dm-ioctl.ts and handed back as the kernel filled it in. The node is opened
 * on the first call and kept until close() (Node opens files close-on-exec).
 */
export class KernelDmControl implements DmControl {
  readonly #controlPath: string;
  #fd: number | undefined;

  constructor(controlPath = DM_CONTROL_PATH) {
    this.#controlPath = controlPath;
  }

  call(command: DmCommand, input: DmIoctlInput): Buffer {
    const buffer = encodeDmIoctl(input);
    dmIoctl(this.#open(), dmIoctlRequest(command), buffer);
    return buffer;
  }

  close(): void {
    if (this.#fd === undefined) return;
    fs.closeSync(this.#fd);
    this.#fd = undefined;
  }

  #open(): number {
    if (this.#fd !== undefined) return this.#fd;
    try {
      this.#fd = fs.openSync(this.#controlPath, fs.constants.O_RDWR);
    } catch (err) {
      throw new FailedPreconditionError(`devmapper: cannot open the device-mapper control node ${this.#controlPath}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    return this.#fd;
  }
}
