import os from 'node:os';

/** What every bench report says of the machine it ran on. */
export interface HostFacts {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  node: string;
}

export function hostFacts(): HostFacts {
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: os.totalmem() / 1024 ** 3,
    kernel: os.release(),
    node: process.versions.node,
  };
}
