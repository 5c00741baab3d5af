import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { LayerctlError } from '@layerctl/sys';
import { formatIpv4, gatewayOf, type Subnet } from './ipv4.ts';
import { deleteLink, ipBatch, ipBatchCall, linkExists } from './links.ts';
import { runNetworkTools, throwFirstFailure, type ToolCall } from './network-tool.ts';
import { createNetnsFile, ipInNetns, removeNetnsFile } from './netns-file.ts';

/** The name of a container's end of its veth pair, inside its namespace. */
export const CONTAINER_INTERFACE = 'eth0';

/**
 * A bridge per network, its gateway address on it, up. route_localnet on the bridge (and only
 * there, so no host-wide setting changes) lets a packet the host sends to 127.0.0.1:PORT leave
 * through the bridge once a published port's DNAT rewrote its destination; the table's
 * masquerade rewrites its 127.0.0.1 source so the container can answer.
 */
export function upBridge(name: string, subnet: Subnet, alias: string, exists = linkExists(name)): void {
  ipBatch(bridgeCommands(name, subnet, alias, exists));
  allowLocalnet(name);
}

function bridgeCommands(name: string, subnet: Subnet, alias: string, exists: boolean): string[] {
  return [
    ...(exists ? [] : [`link add ${name} group ${linkGroup(name)} type bridge`]),
    // The group too for a bridge made before bridges had one.
    `link set dev ${name} alias ${alias} group ${linkGroup(name)}`,
    `addr replace ${formatIpv4(gatewayOf(subnet))}/${subnet.prefix} dev ${name}`,
    `link set dev ${name} up`,
  ];
}

/** Groups from here up are layerctl's: people number theirs from 0 (the default) up. */
const FIRST_GROUP = 0x10000;
const GROUPS = 0x80000000 - FIRST_GROUP;

/**
 * The link group (a host-wide 32-bit number on each interface) of a network's bridge and veths:
 * from a hash of the bridge's name, so other networks' (whose bridge names differ) are another
 * but for a chance of one in two billion. When the last member leaves, one `link delete group`
 * takes its veth and the bridge in a single request, and the kernel waits out the RCU grace
 * periods of unregistering once for both instead of once each (about 10 ms less).
 */
export function linkGroup(bridge: string): number {
  return FIRST_GROUP + (createHash('sha256').update(bridge).digest().readUInt32BE(0) % GROUPS);
}

function allowLocalnet(bridge: string): void {
  fs.writeFileSync(`/proc/sys/net/ipv4/conf/${bridge}/route_localnet`, '1');
}

export interface VethOptions {
  /** The netns file of the container (createNetnsFile). */
  netns: string;
  /** The host end's name, at most 15 characters. */
  hostName: string;
  bridge: string;
  alias: string;
  address: number;
  subnet: Subnet;
  /**
   * Also bring the bridge up (upBridge's work, its alias given here), in the same `ip` run as
   * the veth: one process fewer on every attach.
   */
  upBridge?: { alias: string; exists: boolean };
}

/**
 * Makes the container's network namespace and wires it to the bridge: a veth pair made with
 * its container end already in the namespace as eth0, the host end a port of the bridge, the
 * address and a default route through the gateway inside. `alongside` (the network's table)
 * runs at the same time as the host's `ip`. On failure, what was made goes again.
 */
export function attachVeth(options: VethOptions, alongside: readonly ToolCall[] = []): void {
  createNetnsFile(options.netns);
  try {
    const bridge = options.upBridge;
    const hostSide = ipBatchCall([
      ...(bridge === undefined ? [] : bridgeCommands(options.bridge, options.subnet, bridge.alias, bridge.exists)),
      `link add ${options.hostName} group ${linkGroup(options.bridge)} type veth peer name ${CONTAINER_INTERFACE} netns ${options.netns}`,
      `link set dev ${options.hostName} alias ${options.alias}`,
      `link set dev ${options.hostName} master ${options.bridge}`,
      // A container reaching its own published port through the host's address: the DNATed
      // packet goes back out the port it came in on, which a bridge refuses unless hairpin is on.
      `link set dev ${options.hostName} type bridge_slave hairpin on`,
      `link set dev ${options.hostName} up`,
    ]);
    throwFirstFailure(runNetworkTools([hostSide, ...alongside]));
    if (bridge !== undefined) allowLocalnet(options.bridge);
    ipInNetns(options.netns, [
      `addr add ${formatIpv4(options.address)}/${options.subnet.prefix} dev ${CONTAINER_INTERFACE}`,
      `link set dev ${CONTAINER_INTERFACE} up`,
      `route add default via ${formatIpv4(gatewayOf(options.subnet))}`,
    ]);
  } catch (err) {
    detachVeth(options.netns, options.hostName);
    throw err;
  }
}

export interface DetachOptions {
  /** Also delete this bridge (the network's last member leaves), in the same `ip` run. */
  bridge?: string;
  /** Tools run at the same time as the `ip` (the network's table, rewritten or deleted). */
  alongside?: readonly ToolCall[];
}

/**
 * Removes the host end (its peer goes with it), then the netns file. Deleting a link is mostly
 * the kernel waiting out RCU grace periods, which is why the bridge goes in the same run and the
 * table's work at the same time. A link already gone is fine: done again harmlessly.
 */
export function detachVeth(netns: string, hostName: string, options: DetachOptions = {}): void {
  const bridge = options.bridge;
  const names = [hostName, ...(bridge === undefined ? [] : [bridge])];
  const links = ipBatchCall(bridge === undefined ? [`link delete dev ${hostName}`] : [`link delete group ${linkGroup(bridge)}`]);
  const [linkFailure, ...others] = runNetworkTools([links, ...(options.alongside ?? [])]);
  // A veth vanishes by itself once the namespace of its peer is torn down; a bridge made before
  // bridges had a group, or a group delete refused, goes by name.
  const left = names.filter(linkExists);
  const [byName] = left.length === 0 ? [] : runNetworkTools([ipBatchCall(left.map((name) => `link delete dev ${name}`), { force: true })]);
  const still = names.find(linkExists);
  if (still !== undefined) throw byName ?? linkFailure ?? new LayerctlError(`ip link delete dev ${still}: the interface is still there`);
  removeNetnsFile(netns);
  throwFirstFailure(others);
}

/** Deletes a bridge (its ports leave it). Done again harmlessly. */
export function downBridge(name: string): void {
  deleteLink(name);
}
