import type { BridgeAttacher } from '@layerctl/builder';
import { connectContainer, disconnectContainer, type NetworkRoot } from './connect-network.ts';
import { DEFAULT_NETWORK } from './network-mode.ts';
import { netnsFile } from './network-names.ts';

/**
 * RUN steps on the default bridge network, as `docker build` runs them: each step's container
 * gets an endpoint (address, veth, netns file) like a container's, keyed by the step's id, and
 * gives it back when the step ends.
 */
export function buildBridge(root: NetworkRoot): BridgeAttacher {
  return {
    mode: 'bridge',
    attach(id) {
      connectContainer(root, id, DEFAULT_NETWORK, []);
      return netnsFile(root.dir, id);
    },
    detach: (id) => disconnectContainer(root, id),
  };
}
