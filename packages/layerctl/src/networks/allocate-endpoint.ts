import type { DatabaseSync } from 'node:sqlite';
import { FailedPreconditionError } from '@layerctl/sys';
import { formatIpv4, formatSubnet, parseIpv4 } from '@layerctl/executor';
import { cursorAfter, nextFreeOffset } from './allocate-address.ts';
import { allEndpoints, endpointsOf, insertEndpoint, setNextOffset, type EndpointRecord, type NetworkRecord } from './network-store.ts';
import { formatPublishedPort, portsClash, type PublishedPort } from './published-port.ts';

/**
 * Records a container's endpoint on a network, inside the caller's write transaction: its host
 * ports checked against every other endpoint of the root, then the next free address from the
 * network's cursor (allocate-address.ts). The UNIQUE (network, address) constraint backs the
 * rule that no address is ever held twice.
 */
export function allocateEndpoint(db: DatabaseSync, network: NetworkRecord, containerId: string, ports: readonly PublishedPort[]): EndpointRecord {
  for (const other of allEndpoints(db)) {
    for (const port of ports) {
      const taken = other.ports.find((held) => portsClash(held, port));
      if (taken !== undefined) {
        throw new FailedPreconditionError(`-p ${formatPublishedPort(port)}: host port ${port.hostPort}/${port.protocol} is already published by container ${other.containerId.slice(0, 12)} (${formatPublishedPort(taken)})`);
      }
    }
  }
  const used = new Set(endpointsOf(db, network.name).map((endpoint) => parseIpv4(endpoint.address, `address of ${endpoint.containerId}`) - network.subnet.base));
  const offset = nextFreeOffset(network.subnet, network.nextOffset, used);
  if (offset === undefined) throw new FailedPreconditionError(`network ${network.name} (${formatSubnet(network.subnet)}) has no free address left; remove a container or use a network with a larger subnet`);
  const endpoint: EndpointRecord = { containerId, network: network.name, address: formatIpv4(network.subnet.base + offset), ports: [...ports] };
  insertEndpoint(db, endpoint);
  setNextOffset(db, network.name, cursorAfter(network.subnet, offset));
  return endpoint;
}
