import { createHash } from 'node:crypto';
import { FailedPreconditionError } from '@layerctl/sys';
import { parseIpv4, runNetworkTool, subnetsOverlap, type Subnet } from '@layerctl/executor';

/**
 * Where subnets are taken from when `network create` is given none: /24s of 10.64.0.0/10
 * (16384 of them). The start is a hash of the root and the name, so two roots on one host
 * rarely even try the same one; taken ones are skipped.
 */
const POOL: Subnet = { base: (10 * 256 + 64) * 256 * 256, prefix: 10 };
const PICKED_PREFIX = 24;
const POOL_STEPS = 2 ** (PICKED_PREFIX - POOL.prefix);

export function pickSubnet(seed: string, taken: readonly Subnet[]): Subnet {
  const start = createHash('sha256').update(seed).digest().readUInt32BE(0) % POOL_STEPS;
  const busy = [...taken, ...hostRoutes()];
  for (let step = 0; step < POOL_STEPS; step++) {
    const candidate: Subnet = { base: POOL.base + ((start + step) % POOL_STEPS) * 2 ** (32 - PICKED_PREFIX), prefix: PICKED_PREFIX };
    if (!busy.some((subnet) => subnetsOverlap(subnet, candidate))) return candidate;
  }
  throw new FailedPreconditionError('no free /24 left in 10.64.0.0/10 for a network; give one with network create --subnet');
}

/** A route's destination: an address with an optional prefix (a host route has none). */
const ROUTE_DESTINATION = /^(\d{1,3}(?:\.\d{1,3}){3})(?:\/(\d{1,2}))?$/;

/** The subnets the host routes to now (its own interfaces' networks and other routes), default route left out. */
export function hostRoutes(): Subnet[] {
  const parsed: unknown = JSON.parse(runNetworkTool('ip', ['-json', '-4', 'route', 'show']));
  if (!Array.isArray(parsed)) return [];
  return parsed.flatMap((route: unknown): Subnet[] => {
    if (typeof route !== 'object' || route === null || !('dst' in route) || typeof route.dst !== 'string') return [];
    const match = ROUTE_DESTINATION.exec(route.dst);
    if (match === null) return [];
    const address = parseIpv4(match[1] ?? '', `route ${route.dst}`);
    const prefix = Number(match[2] ?? '32');
    const size = 2 ** (32 - prefix);
    return [{ base: address - (address % size), prefix }];
  });
}
