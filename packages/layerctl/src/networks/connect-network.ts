import type { DatabaseSync } from 'node:sqlite';
import fs from 'node:fs';
import path from 'node:path';
import { FailedPreconditionError, InvalidArgumentError } from '@layerctl/sys';
import type { MetadataStore } from '@layerctl/snapshotter';
import {
  applyNetworkTableCall, attachVeth, deleteNetworkTableCall, detachVeth, enableIpForward, formatSubnet, linkExists, listLinkAliases, parseIpv4, releaseIpForward,
  subnetsOverlap, type NetworkTableSpec, type Subnet,
} from '@layerctl/executor';
import { allocateEndpoint } from './allocate-endpoint.ts';
import { createNetwork } from './create-network.ts';
import { bindNetnsOf } from './join-container.ts';
import { DEFAULT_NETWORK, parseNetworkMode } from './network-mode.ts';
import { bridgeAlias, netnsFile, parseAlias, rootStamp, rootTag, vethAlias, vethName } from './network-names.ts';
import { writeNetworkHosts } from './network-hosts.ts';
import { deleteEndpoint, endpointsOf, findEndpoint, findNetwork, getNetwork, type EndpointRecord, type NetworkRecord } from './network-store.ts';
import { hostRoutes } from './pick-subnet.ts';
import type { PublishedPort } from './published-port.ts';

/** The part of an open root that networking uses. */
export interface NetworkRoot {
  dir: string;
  metadata: MetadataStore;
}

/** What the executor's containerSpec takes as `network`. */
export type SpecNetwork = 'none' | 'host' | { path: string };

/**
 * The network namespace a container's bundle names: its own netns file unless none or host.
 * For `container:X` the file is a bind of X's namespace (connectContainer made it).
 */
export function specNetwork(rootDir: string, containerId: string, mode: string): SpecNetwork {
  const parsed = parseNetworkMode(mode);
  if (parsed.kind === 'none' || parsed.kind === 'host') return parsed.kind;
  return { path: netnsFile(rootDir, containerId) };
}

/**
 * Connects a created container to its network before it starts, under the metadata write lock:
 * on a bridge network an address (allocate-endpoint.ts), the bridge up, the container's
 * namespace with its veth, the network's nftables table rewritten (ports, NAT, isolation) and
 * every member's /etc/hosts; for `container:X`, a bind of X's namespace. If any step fails, the
 * transaction rolls back and what was made on the host is taken down again.
 */
export function connectContainer(root: NetworkRoot, containerId: string, mode: string, ports: readonly PublishedPort[]): { address?: string } {
  const parsed = parseNetworkMode(mode);
  if (parsed.kind !== 'network' && ports.length > 0) throw new InvalidArgumentError(`-p publishes ports of a container on a bridge network; --network ${mode} has none of its own`);
  if (parsed.kind === 'none' || parsed.kind === 'host') return {};
  if (parsed.kind === 'container') {
    bindNetnsOf(root, parsed.container, netnsFile(root.dir, containerId));
    return {};
  }
  return root.metadata.write((db) => {
    const network = findNetwork(db, parsed.network) ?? (parsed.network === DEFAULT_NETWORK ? createNetwork(db, root.dir, DEFAULT_NETWORK, undefined) : getNetwork(db, parsed.network));
    const joined = endpointsOf(db, network.name).length > 0;
    const endpoint = allocateEndpoint(db, network, containerId, ports);
    try {
      const endpoints = endpointsOf(db, network.name);
      attachVeth({
        upBridge: prepareBridge(root.dir, network),
        netns: netnsFile(root.dir, containerId),
        hostName: vethName(containerId),
        bridge: network.bridge,
        alias: vethAlias(root.dir, containerId),
        address: parseIpv4(endpoint.address, 'endpoint address'),
        subnet: network.subnet,
      }, tableUnchanged(joined, ports) ? [] : [applyNetworkTableCall(networkTable(network, endpoints))]);
      writeNetworkHosts(db, root.dir, network.name, endpoints);
    } catch (err) {
      deleteEndpoint(db, containerId);
      takeDown(db, root.dir, network, containerId, ports);
      throw err;
    }
    return { address: endpoint.address };
  });
}

/**
 * A network's table is a function of its bridge, subnet and members' published ports: a member
 * without ports joining or leaving a network that keeps members leaves it as it is (the members
 * before it applied it, under this same lock), and nft need not run.
 */
function tableUnchanged(othersStay: boolean, ports: readonly PublishedPort[]): boolean {
  return othersStay && ports.length === 0;
}

/**
 * Disconnects a container: its namespace file and veth, its endpoint and address, and the
 * network's table and hosts files rewritten without it; the bridge and table go with the last
 * member. Done again harmlessly, and cheap for a container that never had a namespace file.
 */
export function disconnectContainer(root: NetworkRoot, containerId: string): void {
  const file = netnsFile(root.dir, containerId);
  const has = root.metadata.read((db) => findEndpoint(db, containerId)) !== undefined;
  if (!has && !fs.existsSync(file)) return;
  root.metadata.write((db) => {
    const endpoint = findEndpoint(db, containerId);
    if (endpoint === undefined) {
      detachVeth(file, vethName(containerId));
      return;
    }
    deleteEndpoint(db, containerId);
    const network = findNetwork(db, endpoint.network);
    if (network === undefined) detachVeth(file, vethName(containerId));
    else takeDown(db, root.dir, network, containerId, endpoint.ports);
  });
}

/**
 * After the container's endpoint row is gone: its veth and namespace, then the network shrunk
 * (the table rewritten without its ports, if it had any) or taken down with its last member
 * (bridge and table at once).
 */
function takeDown(db: DatabaseSync, rootDir: string, network: NetworkRecord, containerId: string, ports: readonly PublishedPort[]): void {
  const netns = netnsFile(rootDir, containerId);
  const endpoints = endpointsOf(db, network.name);
  if (endpoints.length > 0) {
    detachVeth(netns, vethName(containerId), { alongside: tableUnchanged(true, ports) ? [] : [applyNetworkTableCall(networkTable(network, endpoints))] });
    writeNetworkHosts(db, rootDir, network.name, endpoints);
    return;
  }
  detachVeth(netns, vethName(containerId), { bridge: network.bridge, alongside: [deleteNetworkTableCall(network.bridge)] });
  unstampRootIfIdle(rootDir);
  releaseForwardingIfIdle();
}

/** ip_forward back off if layerctl turned it on and no layerctl bridge of any root is left. */
export function releaseForwardingIfIdle(): void {
  releaseIpForward(listLinkAliases().filter((link) => link.bridge && parseAlias(link.alias) !== undefined).length);
}

/** The network's table as its members' endpoints make it. */
function networkTable(network: NetworkRecord, endpoints: readonly EndpointRecord[]): NetworkTableSpec {
  return { bridge: network.bridge, subnet: network.subnet, ports: endpoints.flatMap(portRules) };
}

function portRules(endpoint: EndpointRecord) {
  const address = parseIpv4(endpoint.address, `address of ${endpoint.containerId}`);
  return endpoint.ports.map((port) => ({
    protocol: port.protocol,
    hostIp: port.hostIp === undefined ? undefined : parseIpv4(port.hostIp, `-p host address of ${endpoint.containerId}`),
    hostPort: port.hostPort,
    address,
    containerPort: port.containerPort,
  }));
}

/**
 * What the bridge needs before attachVeth brings it up along with the veth (in one `ip` run): a
 * new bridge first checked against the host's routes, so it never hides one; the root stamped;
 * forwarding on.
 */
function prepareBridge(rootDir: string, network: NetworkRecord): { alias: string; exists: boolean } {
  const exists = linkExists(network.bridge);
  if (!exists) refuseOverlap(network.name, network.subnet);
  stampRoot(rootDir);
  enableIpForward();
  return { alias: bridgeAlias(rootDir, network.name), exists };
}

/**
 * The stamp goes with the root's last interface: only a gc looking for the owner of such an
 * interface reads it, so a root with none needs no stamp.
 */
export function unstampRootIfIdle(rootDir: string): void {
  const tag = rootTag(rootDir);
  if (listLinkAliases().some((link) => parseAlias(link.alias)?.tag === tag)) return;
  fs.rmSync(rootStamp(tag), { force: true });
}

/** Records which root a tag stands for (network-names.ts ROOT_STAMPS_DIR). */
function stampRoot(rootDir: string): void {
  const stamp = rootStamp(rootTag(rootDir));
  fs.mkdirSync(path.dirname(stamp), { recursive: true, mode: 0o755 });
  fs.writeFileSync(stamp, path.resolve(rootDir));
}

function refuseOverlap(name: string, subnet: Subnet): void {
  const clash = hostRoutes().find((route) => subnetsOverlap(route, subnet));
  if (clash !== undefined) {
    throw new FailedPreconditionError(`network ${name}: its subnet ${formatSubnet(subnet)} overlaps the host's route to ${formatSubnet(clash)}; remove the network and create it with another --subnet`);
  }
}
