import type { DatabaseSync } from 'node:sqlite';
import { AlreadyExistsError, InvalidArgumentError } from '@layerctl/sys';
import { formatSubnet, hostOffsets, subnetsOverlap, type Subnet } from '@layerctl/executor';
import { bridgeName, rootTag } from './network-names.ts';
import { insertNetwork, listNetworks, type NetworkRecord } from './network-store.ts';
import { pickSubnet } from './pick-subnet.ts';

/** Names --network reads as modes of their own. */
const RESERVED: ReadonlySet<string> = new Set(['none', 'host']);

/**
 * Records a network (the bridge and its table come with its first container). Without a subnet
 * one is picked that no other network of this root and no host route uses; a given one must not
 * overlap another network of this root.
 */
export function createNetwork(db: DatabaseSync, rootDir: string, name: string, subnet: Subnet | undefined): NetworkRecord {
  if (RESERVED.has(name)) throw new InvalidArgumentError(`network name "${name}" means --network ${name}, which is not a bridge network; choose another`);
  const others = listNetworks(db);
  if (subnet !== undefined) {
    const clash = others.find((other) => subnetsOverlap(other.subnet, subnet));
    if (clash !== undefined) throw new AlreadyExistsError(`--subnet ${formatSubnet(subnet)} overlaps network ${clash.name} (${formatSubnet(clash.subnet)}); choose another`);
  }
  const chosen = subnet ?? pickSubnet(`${rootTag(rootDir)}\0${name}`, others.map((other) => other.subnet));
  return insertNetwork(db, { name, bridge: bridgeName(rootDir, name), subnet: chosen, nextOffset: hostOffsets(chosen).first });
}
