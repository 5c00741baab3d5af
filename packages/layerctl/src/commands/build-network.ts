import { randomBytes } from 'node:crypto';
import type { BridgeAttacher, BuildNetwork } from '@layerctl/builder';
import { errorMessage } from '@layerctl/snapshotter';
import { LayerctlError } from '@layerctl/sys';
import type { NetworkRoot } from '../networks/connect-network.ts';

/** Bytes of randomness in a pooled endpoint's id: 64 hex digits like a container's (veth names keep a prefix). */
const ENDPOINT_ID_BYTES = 32;

/** The network of one build's RUN steps, and the endpoints to take down when it is over. */
export interface BuildNetworkSession {
  network: BuildNetwork;
  /** Takes down every endpoint the build made; call once, when the build is over, with the root still open. */
  close(): void;
}

/**
 * Runs `use` (the build) with its RUN steps' network, and takes the network's endpoints down
 * when it ends, whether it succeeded or not; when both fail, the error says both.
 */
export async function withBuildNetwork<T>(mode: 'none' | 'host' | 'bridge', root: NetworkRoot, use: (network: BuildNetwork) => Promise<T>): Promise<T> {
  const session = buildNetwork(mode, root);
  let result: T;
  try {
    result = await use(session.network);
  } catch (err) {
    try {
      session.close();
    } catch (closeError) {
      throw new LayerctlError(`${errorMessage(err)}; taking the build's network endpoints down failed too (${errorMessage(closeError)})`, { cause: err });
    }
    throw err;
  }
  session.close();
  return result;
}

interface Endpoint {
  id: string;
  netns: string;
}

/**
 * The network of the build's RUN steps (--network). On the bridge, an endpoint (an address, a
 * veth, a namespace and the network's nftables rules: some ten runs of ip and nft, ~130 ms) is
 * made for the first RUN step that needs one, then pooled for the build's later steps, as
 * BuildKit pools network namespaces: a step takes a free endpoint and gives it back when it ends,
 * and steps running at the same time each get their own. RUN steps have no CAP_NET_ADMIN, so a
 * step cannot change the namespace the next one gets. The bridge's code, and the executor's
 * network code under it, is loaded by the first RUN that attaches: a fully cached build never loads it.
 */
export function buildNetwork(mode: 'none' | 'host' | 'bridge', root: NetworkRoot): BuildNetworkSession {
  if (mode !== 'bridge') return { network: mode, close: () => {} };
  let bridge: BridgeAttacher | undefined;
  const made: string[] = [];
  const free: Endpoint[] = [];
  const taken = new Map<string, Endpoint>();
  const newEndpoint = async (): Promise<Endpoint> => {
    if (bridge === undefined) {
      const { buildBridge } = await import('../networks/build-bridge.ts');
      bridge ??= buildBridge(root);
    }
    const id = randomBytes(ENDPOINT_ID_BYTES).toString('hex');
    // Listed before it is made: close() takes down what a failed attach left, as detach may.
    made.push(id);
    return { id, netns: await bridge.attach(id) };
  };
  return {
    network: {
      mode: 'bridge',
      async attach(stepId) {
        const endpoint = free.pop() ?? (await newEndpoint());
        taken.set(stepId, endpoint);
        return endpoint.netns;
      },
      detach(stepId) {
        const endpoint = taken.get(stepId);
        if (endpoint === undefined) return;
        taken.delete(stepId);
        free.push(endpoint);
      },
    },
    close() {
      const failures: unknown[] = [];
      for (const id of made.splice(0)) {
        try {
          bridge?.detach(id);
        } catch (err) {
          failures.push(err);
        }
      }
      // Every endpoint was tried; the first failure says which and why.
      if (failures.length > 0) throw failures[0];
    },
  };
}
