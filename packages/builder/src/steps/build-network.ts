/**
 * The network of RUN steps: none, the host's, or a bridge. The builder does not allocate
 * addresses (layerctl's networks do, in metadata.db): for a bridge the caller hands in an
 * attacher that gives a step's container a network namespace and takes it down again.
 */
export type BuildNetwork = 'none' | 'host' | BridgeAttacher;

export interface BridgeAttacher {
  readonly mode: 'bridge';
  /**
   * Connects the step's container `id` and returns the netns file its spec joins; a promise lets
   * the caller load its network code on the first RUN that runs, not on every build.
   */
  attach(id: string): string | Promise<string>;
  /** Disconnects it; done again harmlessly, also when attach never ran. */
  detach(id: string): void;
}

/** The network's name in cache keys: a bridge step does not rebuild because of who attaches it. */
export function networkName(network: BuildNetwork): 'none' | 'host' | 'bridge' {
  return typeof network === 'string' ? network : network.mode;
}

/** What the executor's containerSpec takes: a bridge is attached here, by the step's id. */
export async function stepSpecNetwork(network: BuildNetwork, id: string): Promise<'none' | 'host' | { path: string }> {
  return typeof network === 'string' ? network : { path: await network.attach(id) };
}
