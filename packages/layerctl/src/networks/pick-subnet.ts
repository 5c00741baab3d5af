import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { FailedPreconditionError } from '@layerctl/sys';
import { subnetsOverlap, type Subnet } from '@layerctl/executor';

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

/**
 * The kernel's main routing table in text: one line per route after a header, the destination
 * and mask as 8 hex digits of the address in memory order (little-endian on the machines we run
 * on). Read instead of spawning `ip route`: the same table, for a file read.
 */
const ROUTE_TABLE = '/proc/net/route';
const HEX_WORD = /^[0-9A-Fa-f]{8}$/;

/** The subnets the host routes to now (its own interfaces' networks and other routes), default route left out. */
export function hostRoutes(): Subnet[] {
  const lines = fs.readFileSync(ROUTE_TABLE, 'utf8').split('\n').slice(1);
  return lines.flatMap((line): Subnet[] => {
    const [, destination = '', , , , , , mask = ''] = line.trim().split(/\s+/);
    if (!HEX_WORD.test(destination) || !HEX_WORD.test(mask)) return [];
    const prefix = prefixOf(wordOf(mask));
    if (prefix === 0) return [];
    const address = wordOf(destination);
    const size = 2 ** (32 - prefix);
    return [{ base: address - (address % size), prefix }];
  });
}

/** An address as /proc/net/route prints it (memory order) to its number. */
function wordOf(hex: string): number {
  return Buffer.from(hex, 'hex').readUInt32LE(0);
}

/** A netmask's prefix length: its leading one bits. */
function prefixOf(mask: number): number {
  let prefix = 0;
  while (prefix < 32 && mask >= 2 ** (31 - prefix)) {
    mask -= 2 ** (31 - prefix);
    prefix++;
  }
  return prefix;
}
