import fs from 'node:fs';
import { containerPaths } from '../containers/container-paths.ts';
import { ContainerStore, type ContainerRecord } from '../containers/container-store.ts';
import { connectContainer, type NetworkRoot } from './connect-network.ts';
import { resolveJoinTarget } from './join-container.ts';
import { CONTAINER_PREFIX, parseNetworkMode } from './network-mode.ts';

/** The --network value as kept in the container's config: container:<name|id prefix> becomes container:<full id>. */
export function networkSetting(root: NetworkRoot, mode: string): string {
  const parsed = parseNetworkMode(mode);
  return parsed.kind === 'container' ? `${CONTAINER_PREFIX}${resolveJoinTarget(root, parsed.container)}` : mode;
}

/** The hostname of the container whose network namespace `network` (container:<id>) joins, as Docker gives it. */
export function joinedHostname(root: NetworkRoot, network: string): string | undefined {
  const parsed = parseNetworkMode(network);
  return parsed.kind === 'container' ? new ContainerStore(root.metadata).resolve(parsed.container).config.hostname : undefined;
}

/**
 * Connects a created container (its /etc files written) to its network. A container that joins
 * another's namespace also takes that one's /etc/hosts and /etc/resolv.conf, as Docker's do:
 * the names and servers belong to the namespace.
 */
export function connectCreated(root: NetworkRoot, record: Pick<ContainerRecord, 'id' | 'config'>): void {
  connectContainer(root, record.id, record.config.network, record.config.ports);
  const parsed = parseNetworkMode(record.config.network);
  if (parsed.kind !== 'container') return;
  const own = containerPaths(root.dir, record.id);
  const target = containerPaths(root.dir, parsed.container);
  fs.copyFileSync(target.hosts, own.hosts);
  fs.copyFileSync(target.resolvConf, own.resolvConf);
}
