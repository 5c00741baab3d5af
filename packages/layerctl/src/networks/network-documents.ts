import { formatIpv4, formatSubnet, gatewayOf } from '@layerctl/executor';
import type { NetworkRoot } from './connect-network.ts';
import { endpointsOf, listNetworks } from './network-store.ts';
import { formatPublishedPort } from './published-port.ts';

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
