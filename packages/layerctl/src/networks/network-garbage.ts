import fs from 'node:fs';
import path from 'node:path';
import { readOptional } from '@layerctl/snapshotter';
import { readDirOptional } from '@layerctl/sys';
import { deleteLink, deleteNetworkTable, listLinks, listNetworkTables, removeNetnsFile, tableName } from '@layerctl/executor';
import { disconnectContainer, releaseForwardingIfIdle, unstampRootIfIdle, type NetworkRoot } from './connect-network.ts';
import { NETNS_DIR, netnsFile, parseAlias, ROOT_STAMPS_DIR, rootStamp, rootTag } from './network-names.ts';
import { allEndpoints, endpointsOf, listNetworks } from './network-store.ts';

export interface NetworkGarbageReport {
  /** Endpoints (address, veth, namespace) of containers that no longer exist. */
  removedEndpoints: string[];
  /** Netns files and interfaces this root made for containers that no longer exist. */
  removedNetns: string[];
  removedInterfaces: string[];
  /** nftables tables of this root's networks that have no container left. */
  removedTables: string[];
}

/**
 * The network part of `layerctl gc`, after the container part (so --rm containers that exited
 * unwatched are gone and their endpoints with them): endpoints whose container is gone, then
 * what a killed layerctl can leave outside metadata.db: netns files under <root>/netns, veths
 * and bridges carrying this root's alias, tables of its networks. Only this root's things are
 * touched: interfaces are told apart by their alias (network-names.ts), tables by bridge name.
 */
export function collectNetworkGarbage(root: NetworkRoot, liveContainers: ReadonlySet<string>): NetworkGarbageReport {
  const removedEndpoints = root.metadata.read((db) => allEndpoints(db)).filter((endpoint) => !liveContainers.has(endpoint.containerId)).map((endpoint) => endpoint.containerId);
  for (const id of removedEndpoints) disconnectContainer(root, id);
  const removedNetns: string[] = [];
  for (const id of listDir(path.join(root.dir, NETNS_DIR))) {
    if (liveContainers.has(id)) continue;
    removeNetnsFile(netnsFile(root.dir, id));
    removedNetns.push(id);
  }
  const removedInterfaces = [...removeOrphanLinks(root, liveContainers), ...removeLinksOfGoneRoots(root)];
  const removedTables = removeIdleTables(root);
  removeStaleStamps(root);
  releaseForwardingIfIdle();
  return { removedEndpoints, removedNetns, removedInterfaces, removedTables };
}

/** Veths of gone containers, and bridges of networks that are gone or have no container left. */
function removeOrphanLinks(root: NetworkRoot, liveContainers: ReadonlySet<string>): string[] {
  const tag = rootTag(root.dir);
  const busy = root.metadata.read((db) => new Set(listNetworks(db).filter((network) => endpointsOf(db, network.name).length > 0).map((network) => network.name)));
  const removed: string[] = [];
  for (const link of listLinks()) {
    const owner = parseAlias(link.alias);
    if (owner === undefined || owner.tag !== tag) continue;
    const orphan = owner.kind === 'container' ? !liveContainers.has(owner.name) : owner.kind === 'network' && !busy.has(owner.name);
    if (!orphan) continue;
    deleteLink(link.name);
    if (owner.kind === 'network') deleteNetworkTable(link.name);
    removed.push(link.name);
  }
  return removed;
}

/**
 * Interfaces (and bridges' tables) another root made whose root directory is gone: nobody can
 * ever use or remove them otherwise. A root whose stamp is missing is left alone.
 */
function removeLinksOfGoneRoots(root: NetworkRoot): string[] {
  const own = rootTag(root.dir);
  const removed: string[] = [];
  for (const link of listLinks()) {
    const owner = parseAlias(link.alias);
    if (owner === undefined || owner.tag === own || !rootIsGone(owner.tag)) continue;
    deleteLink(link.name);
    if (owner.kind === 'network') deleteNetworkTable(link.name);
    removed.push(link.name);
  }
  return removed;
}

/** This root's stamp once it has no interface, and the stamps of deleted roots whose interfaces are gone. */
function removeStaleStamps(root: NetworkRoot): void {
  unstampRootIfIdle(root.dir);
  const tagged = new Set(listLinks().map((link) => parseAlias(link.alias)?.tag));
  for (const tag of listDir(ROOT_STAMPS_DIR)) {
    if (!tagged.has(tag) && rootIsGone(tag)) fs.rmSync(rootStamp(tag), { force: true });
  }
}

/** A root whose stamp is missing (never made, or removed by another gc meanwhile) is not known to be gone. */
function rootIsGone(tag: string): boolean {
  const stamped = readOptional(rootStamp(tag));
  if (stamped === undefined) return false;
  return !fs.existsSync(path.join(stamped.trim(), METADATA_FILE));
}

/** Tables of this root's networks with no container (a crash between table and bridge removal). */
function removeIdleTables(root: NetworkRoot): string[] {
  const idle = root.metadata.read((db) => listNetworks(db).filter((network) => endpointsOf(db, network.name).length === 0));
  const present = new Set(listNetworkTables());
  const removed: string[] = [];
  for (const network of idle) {
    if (!present.has(tableName(network.bridge))) continue;
    deleteNetworkTable(network.bridge);
    removed.push(tableName(network.bridge));
  }
  return removed;
}

function listDir(dir: string): string[] {
  return (readDirOptional(dir) ?? []).map((entry) => entry.name);
}

/** A root is a directory holding metadata.db (DESIGN.md "On disk"). */
const METADATA_FILE = 'metadata.db';
