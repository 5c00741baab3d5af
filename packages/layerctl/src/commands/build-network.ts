import type { BridgeAttacher, BuildNetwork } from '@layerctl/builder';
import type { NetworkRoot } from '../networks/connect-network.ts';

/**
 * The network of the build's RUN steps (--network). The bridge's code, and the executor's network
 * code under it, is loaded by the first RUN step that attaches: a fully cached build never loads it.
 */
export function buildNetwork(mode: 'none' | 'host' | 'bridge', root: NetworkRoot): BuildNetwork {
  if (mode !== 'bridge') return mode;
  let bridge: BridgeAttacher | undefined;
  return {
    mode: 'bridge',
    async attach(id) {
      if (bridge === undefined) {
        const { buildBridge } = await import('../networks/build-bridge.ts');
        bridge ??= buildBridge(root);
      }
      return bridge.attach(id);
    },
    // Nothing was attached while the bridge's code is not loaded.
    detach: (id) => bridge?.detach(id),
  };
}
