import { hostOffsets, type Subnet } from '@layerctl/executor';

/**
 * The host offset to hand out next: the first free one from `cursor` on, wrapping around the
 * subnet once, so a freed address comes back only after every other one was tried (Docker's
 * IPAM does the same). undefined when every address is taken.
 */
export function nextFreeOffset(subnet: Subnet, cursor: number, used: ReadonlySet<number>): number | undefined {
  const { first, last } = hostOffsets(subnet);
  const span = last - first + 1;
  const start = cursor >= first && cursor <= last ? cursor : first;
  for (let step = 0; step < span; step++) {
    const offset = first + ((start - first + step) % span);
    if (!used.has(offset)) return offset;
  }
  return undefined;
}

/** The cursor after handing out `offset`: the next one, wrapping to the first. */
export function cursorAfter(subnet: Subnet, offset: number): number {
  const { first, last } = hostOffsets(subnet);
  return offset >= last ? first : offset + 1;
}
