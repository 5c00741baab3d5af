/**
 * The network of RUN steps: none, the host's, or a bridge. The builder does not allocate
 * addresses (layerctl's networks do, in metadata.db): for a bridge the caller hands in an
 * attacher that gives a step's container a network namespace and takes it down again.
 */
export type BuildNetwork = 'none' | 'host' | BridgeAttacher;

export interface BridgeAttacher {
  readonly mode: 'bridge';
  /** Connects the step's container `id` and returns the netns file its spec joins. */
  attach(id: string): string;
  /** Disconnects it; done again harmlessly, also when attach never ran. */
  detach(id: string): void;
}

/** The network's name in cache keys: a bridge step does not rebuild because of who attaches it. */
export function networkName(network: BuildNetwork): 'none' | 'host' | 'bridge' {
  return typeof network === 'string' ? network : network.mode;
}

/** What the executor's containerSpec takes: a bridge is attached here, by the step's id. */
export function stepSpecNetwork(network: BuildNetwork, id: string): 'none' | 'host' | { path: string } {
  return typeof network === 'string' ? network : { path: network.attach(id) };
}
