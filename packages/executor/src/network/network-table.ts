import { formatIpv4, formatSubnet, type Subnet } from './ipv4.ts';
import { runNetworkTool, type ToolCall } from './network-tool.ts';

/** Every nftables table layerctl writes starts so; one table per bridge network. */
export const TABLE_PREFIX = 'layerctl_';
/** Only IPv4 is routed to containers (their addresses are IPv4). */
const FAMILY = 'ip';
/** Docker's priority for DNAT of locally generated packets (iptables' nat OUTPUT). */
const OUTPUT_NAT_PRIORITY = -100;

export const PROTOCOLS = ['tcp', 'udp'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** A published port as a DNAT rule: HOSTIP:HOSTPORT (any local address without hostIp) to the container. */
export interface PortRule {
  protocol: Protocol;
  hostIp: number | undefined;
  hostPort: number;
  address: number;
  containerPort: number;
}

export interface NetworkTableSpec {
  bridge: string;
  subnet: Subnet;
  ports: readonly PortRule[];
}

/** The nftables table of a bridge network. */
export function tableName(bridge: string): string {
  return `${TABLE_PREFIX}${bridge}`;
}

/**
 * The whole table of one network as an `nft -f` script that replaces its rules atomically: the
 * empty declaration makes the flush valid when the table is new, the flush drops every rule and
 * keeps the four chains, which are declared the same every time. Not a delete and a new table:
 * removing base chains costs the kernel RCU grace periods (about 15 ms here) even for a table
 * made in the same transaction, while a new network's table is made in about 5. Rules:
 * - published ports: DNAT from prerouting (from outside) and output (from the host itself,
 *   127.0.0.1 included: see upBridge's route_localnet);
 * - outbound: masquerade what leaves the subnet through another interface, and the 127.0.0.1
 *   source of a DNATed host packet entering the bridge; a container's packet DNATed back into
 *   the bridge (hairpin: a published port reached through the host's address) is masqueraded
 *   too, so the answer comes back through the host and is un-DNATed;
 * - isolation: a new connection into this bridge from any other interface (another network's
 *   bridge, or the outside) is dropped unless it is a published port (DNATed). Each network's
 *   table guards its own bridge, so two networks cannot reach each other in either direction.
 */
export function networkTableScript(spec: NetworkTableSpec): string {
  const name = tableName(spec.bridge);
  const bridge = JSON.stringify(spec.bridge);
  const dnat = spec.ports.map(dnatRule);
  return [
    `table ${FAMILY} ${name} {}`,
    `flush table ${FAMILY} ${name}`,
    `table ${FAMILY} ${name} {`,
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    ...dnat.map((rule) => `    ${rule}`),
    '  }',
    '  chain output {',
    `    type nat hook output priority ${OUTPUT_NAT_PRIORITY}; policy accept;`,
    ...dnat.map((rule) => `    ${rule}`),
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    `    ip saddr ${formatSubnet(spec.subnet)} oifname != ${bridge} masquerade`,
    `    oifname ${bridge} ip saddr 127.0.0.0/8 masquerade`,
    `    oifname ${bridge} ip saddr ${formatSubnet(spec.subnet)} ct status dnat masquerade`,
    '  }',
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    `    oifname ${bridge} iifname != ${bridge} ct state new ct status != dnat drop`,
    '  }',
    '}',
    '',
  ].join('\n');
}

function dnatRule(port: PortRule): string {
  const destination = port.hostIp === undefined ? 'fib daddr type local' : `ip daddr ${formatIpv4(port.hostIp)}`;
  return `${destination} ${port.protocol} dport ${port.hostPort} dnat to ${formatIpv4(port.address)}:${port.containerPort}`;
}

/** Writes (or rewrites) a network's table in one nftables transaction. */
export function applyNetworkTable(spec: NetworkTableSpec): void {
  runNft(applyNetworkTableCall(spec));
}

/** applyNetworkTable as a call for runNetworkTools. */
export function applyNetworkTableCall(spec: NetworkTableSpec): ToolCall {
  return { program: 'nft', args: ['-f', '-'], input: networkTableScript(spec) };
}

/** Deletes a network's table; one that is not there is fine. */
export function deleteNetworkTable(bridge: string): void {
  runNft(deleteNetworkTableCall(bridge));
}

/** deleteNetworkTable as a call for runNetworkTools. */
export function deleteNetworkTableCall(bridge: string): ToolCall {
  const name = tableName(bridge);
  return { program: 'nft', args: ['-f', '-'], input: `table ${FAMILY} ${name} {}\ndelete table ${FAMILY} ${name}\n` };
}

function runNft(call: ToolCall): void {
  runNetworkTool(call.program, call.args, call.input);
}

/** The names of the layerctl tables present (TABLE_PREFIX), of every root on this host. */
export function listNetworkTables(): string[] {
  const parsed: unknown = JSON.parse(runNetworkTool('nft', ['-j', 'list', 'tables', FAMILY]));
  const items = typeof parsed === 'object' && parsed !== null && 'nftables' in parsed && Array.isArray(parsed.nftables) ? parsed.nftables : [];
  return items.flatMap((item: unknown): string[] => {
    if (typeof item !== 'object' || item === null || !('table' in item)) return [];
    const table = item.table;
    if (typeof table !== 'object' || table === null || !('name' in table) || typeof table.name !== 'string') return [];
    return table.name.startsWith(TABLE_PREFIX) ? [table.name] : [];
  });
}

/** The nftables ruleset text of a table (for tests and `inspect`); '' when it is not there. */
export function showNetworkTable(bridge: string): string {
  return listNetworkTables().includes(tableName(bridge)) ? runNetworkTool('nft', ['list', 'table', FAMILY, tableName(bridge)]) : '';
}
