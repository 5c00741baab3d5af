import { InvalidArgumentError } from '@layerctl/sys';

/** The network Docker's `run` gives a container unless --network says otherwise. */
export const DEFAULT_NETWORK = 'bridge';
/** `--network container:<name|id>`: share that container's network namespace. */
export const CONTAINER_PREFIX = 'container:';
/** Network names: Docker's rule for names. */
const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;

/** What a --network value asks for. */
export type NetworkMode =
  | { kind: 'none' }
  | { kind: 'host' }
  | { kind: 'container'; container: string }
  | { kind: 'network'; network: string };

export function parseNetworkMode(text: string): NetworkMode {
  if (text === 'none' || text === 'host') return { kind: text };
  if (text.startsWith(CONTAINER_PREFIX)) {
    const container = text.slice(CONTAINER_PREFIX.length);
    if (container === '') throw new InvalidArgumentError(`--network ${text}: name the container, as container:NAME or container:ID`);
    return { kind: 'container', container };
  }
  return { kind: 'network', network: checkNetworkName(text) };
}

export function checkNetworkName(name: string): string {
  if (!NETWORK_NAME.test(name)) {
    throw new InvalidArgumentError(`network name "${name}": use letters, digits, '_', '.' and '-', starting with a letter or digit, at most 64 characters`);
  }
  return name;
}
