import { deleteNetworkTable, downBridge } from '@layerctl/executor';
import type { NetworkRoot } from './connect-network.ts';
import { deleteNetwork, getNetwork } from './network-store.ts';

/**
 * Removes a network no container is attached to (refused otherwise, naming them), and its bridge
 * and table should a crash have left them. The default `bridge` network can go too: it is made
 * again on its next use.
 */
export function removeNetwork(root: NetworkRoot, name: string): void {
  root.metadata.write((db) => {
    const network = getNetwork(db, name);
    deleteNetwork(db, name);
    deleteNetworkTable(network.bridge);
    downBridge(network.bridge);
  });
}
