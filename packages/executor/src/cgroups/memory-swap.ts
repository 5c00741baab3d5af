import { InvalidArgumentError } from '@layerctl/sys';

/**
 * The spec's memory.swap is memory plus swap (v1's memsw), -1 unlimited, 0 or absent unset.
 * Returns the swap part alone (what v2's memory.swap.max holds): a byte count, -1 for unlimited,
 * or undefined for "leave as it is". The rules are runc's (ConvertMemorySwapToCgroupV2Value),
 * so a bundle means the same under runc, crun and layerctl.
 */
export function swapOnly(limit: number | undefined, swap: number | undefined): number | undefined {
  const memory = limit ?? 0;
  const memsw = swap ?? 0;
  // Unlimited memory with no word on swap means both unlimited, as v1 behaves.
  if (memory === -1 && memsw === 0) return -1;
  if (memsw === -1) return -1;
  if (memsw === 0) return undefined;
  checkMemorySwap(limit, swap);
  return memsw - memory;
}

/** Throws unless memory+swap can be set beside the memory limit. */
export function checkMemorySwap(limit: number | undefined, swap: number | undefined): void {
  if (swap === undefined || swap === 0 || swap === -1) return;
  if (limit === undefined || limit === 0 || limit === -1) {
    throw new InvalidArgumentError(`memory+swap limit ${swap} needs a memory limit as well`);
  }
  if (swap < limit) throw new InvalidArgumentError(`memory+swap limit ${swap} is below the memory limit ${limit}`);
}
