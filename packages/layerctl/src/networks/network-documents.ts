import { formatIpv4, formatSubnet, gatewayOf } from '@layerctl/executor';
import type { NetworkRoot } from './connect-network.ts';
import { endpointsOf, findEndpoint, findNetwork, listNetworks } from './network-store.ts';
import { formatPublishedPort, type PublishedPort } from './published-port.ts';

/** `network ls --json`: each network with its bridge and the containers on it. */
export function networkDocuments(root: NetworkRoot) {
  return root.metadata.read((db) =>
    listNetworks(db).map((network) => ({
      name: network.name,
      driver: 'bridge',
      subnet: formatSubnet(network.subnet),
      gateway: formatIpv4(gatewayOf(network.subnet)),
      bridge: network.bridge,
      containers: endpointsOf(db, network.name).map((endpoint) => ({ id: endpoint.containerId, address: endpoint.address, ports: endpoint.ports.map(formatPublishedPort) })),
      created: new Date(network.createdAt).toISOString(),
    })),
  );
}

/**
 * A container's network as `inspect` shows it (docker inspect's NetworkSettings): the mode, and
 * on a bridge network its address, gateway, bridge and published ports.
 */
export function networkSettings(root: NetworkRoot, containerId: string, mode: string, ports: readonly PublishedPort[]) {
  const attached = root.metadata.read((db) => {
    const endpoint = findEndpoint(db, containerId);
    const network = endpoint === undefined ? undefined : findNetwork(db, endpoint.network);
    return endpoint === undefined || network === undefined ? undefined : { endpoint, network };
  });
  return {
    Mode: mode,
    Network: attached?.network.name ?? null,
    IPAddress: attached?.endpoint.address ?? null,
    IPPrefixLen: attached?.network.subnet.prefix ?? null,
    Gateway: attached === undefined ? null : formatIpv4(gatewayOf(attached.network.subnet)),
    Bridge: attached?.network.bridge ?? null,
    Ports: ports.map(formatPublishedPort),
  };
}
