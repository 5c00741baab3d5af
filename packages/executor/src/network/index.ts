export { parseIpv4, formatIpv4, parseSubnet, formatSubnet, subnetSize, subnetContains, subnetsOverlap, gatewayOf, hostOffsets, type Subnet } from './ipv4.ts';
export { runNetworkTool, runNetworkTools, throwFirstFailure, type ToolCall } from './network-tool.ts';
export { createNetnsFile, removeNetnsFile, ipInNetns } from './netns-file.ts';
export { listLinks, linkExists, listLinkAliases, ipBatch, ipBatchCall, deleteLink, type LinkInfo } from './links.ts';
export { upBridge, downBridge, attachVeth, detachVeth, linkGroup, CONTAINER_INTERFACE, type VethOptions, type DetachOptions } from './bridge.ts';
export {
  applyNetworkTable, applyNetworkTableCall, deleteNetworkTable, deleteNetworkTableCall, listNetworkTables, showNetworkTable, networkTableScript, tableName,
  TABLE_PREFIX, PROTOCOLS, type Protocol, type PortRule, type NetworkTableSpec,
} from './network-table.ts';
export { enableIpForward, releaseIpForward, IP_FORWARD_MARKER } from './ip-forward.ts';
