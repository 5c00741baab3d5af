import type { DatabaseSync } from 'node:sqlite';
import { AlreadyExistsError, FailedPreconditionError, NotFoundError } from '@layerctl/sys';
import { rowInteger, rowText, type Row } from '@layerctl/snapshotter';
import { formatSubnet, parseSubnet, type Subnet } from '@layerctl/executor';
import { validatePublishedPorts, type PublishedPort } from './published-port.ts';

/** One row of `networks` (metadata/migrations/networks.ts), checked. */
export interface NetworkRecord {
  name: string;
  bridge: string;
  subnet: Subnet;
  /** The host offset the allocator tries next. */
  nextOffset: number;
  createdAt: number;
}

/** One row of `network_endpoints`: a container attached to a network. */
export interface EndpointRecord {
  containerId: string;
  network: string;
  address: string;
  ports: PublishedPort[];
}

const NETWORKS = 'networks';
const ENDPOINTS = 'network_endpoints';

/**
 * The networks and endpoints of a root. Functions take the database handle of a transaction
 * already open (MetadataStore.write or read), so that an attach or detach reads and changes the
 * rows and the host's interfaces and rules under one write lock.
 */
export function findNetwork(db: DatabaseSync, name: string): NetworkRecord | undefined {
  const row = db.prepare(`SELECT * FROM ${NETWORKS} WHERE name = ?`).get(name);
  return row === undefined ? undefined : networkOfRow(row);
}

export function getNetwork(db: DatabaseSync, name: string): NetworkRecord {
  const network = findNetwork(db, name);
  if (network === undefined) throw new NotFoundError(`network ${name}: no such network; make it with layerctl network create ${name}`);
  return network;
}

export function listNetworks(db: DatabaseSync): NetworkRecord[] {
  return db.prepare(`SELECT * FROM ${NETWORKS} ORDER BY name`).all().map(networkOfRow);
}

export function insertNetwork(db: DatabaseSync, network: Omit<NetworkRecord, 'nextOffset' | 'createdAt'> & { nextOffset: number }): NetworkRecord {
  if (findNetwork(db, network.name) !== undefined) throw new AlreadyExistsError(`network ${network.name} already exists; choose another name`);
  const createdAt = Date.now();
  const subnet = formatSubnet(network.subnet);
  db.prepare(`INSERT INTO ${NETWORKS} (name, bridge, subnet, next_offset, created_at) VALUES (?, ?, ?, ?, ?)`).run(network.name, network.bridge, subnet, network.nextOffset, createdAt);
  return { ...network, createdAt };
}

export function deleteNetwork(db: DatabaseSync, name: string): void {
  const users = endpointsOf(db, name);
  if (users.length > 0) {
    throw new FailedPreconditionError(`network ${name} is in use by ${users.length} container(s) (${users.map((e) => e.containerId.slice(0, 12)).join(', ')}); remove them first`);
  }
  db.prepare(`DELETE FROM ${NETWORKS} WHERE name = ?`).run(name);
}

export function setNextOffset(db: DatabaseSync, name: string, offset: number): void {
  db.prepare(`UPDATE ${NETWORKS} SET next_offset = ? WHERE name = ?`).run(offset, name);
}

export function endpointsOf(db: DatabaseSync, network: string): EndpointRecord[] {
  return db.prepare(`SELECT * FROM ${ENDPOINTS} WHERE network = ? ORDER BY created_at, container_id`).all(network).map(endpointOfRow);
}

export function allEndpoints(db: DatabaseSync): EndpointRecord[] {
  return db.prepare(`SELECT * FROM ${ENDPOINTS} ORDER BY created_at, container_id`).all().map(endpointOfRow);
}

export function findEndpoint(db: DatabaseSync, containerId: string): EndpointRecord | undefined {
  const row = db.prepare(`SELECT * FROM ${ENDPOINTS} WHERE container_id = ?`).get(containerId);
  return row === undefined ? undefined : endpointOfRow(row);
}

export function insertEndpoint(db: DatabaseSync, endpoint: EndpointRecord): void {
  db.prepare(`INSERT INTO ${ENDPOINTS} (container_id, network, address, ports, created_at) VALUES (?, ?, ?, ?, ?)`).run(
    endpoint.containerId,
    endpoint.network,
    endpoint.address,
    JSON.stringify(endpoint.ports),
    Date.now(),
  );
}

export function deleteEndpoint(db: DatabaseSync, containerId: string): void {
  db.prepare(`DELETE FROM ${ENDPOINTS} WHERE container_id = ?`).run(containerId);
}

function networkOfRow(row: Row): NetworkRecord {
  const name = rowText(row, NETWORKS, 'name');
  return {
    name,
    bridge: rowText(row, NETWORKS, 'bridge'),
    subnet: parseSubnet(rowText(row, NETWORKS, 'subnet'), `metadata.db: networks.subnet of ${name}`),
    nextOffset: rowInteger(row, NETWORKS, 'next_offset'),
    createdAt: rowInteger(row, NETWORKS, 'created_at'),
  };
}

function endpointOfRow(row: Row): EndpointRecord {
  const containerId = rowText(row, ENDPOINTS, 'container_id');
  let ports: unknown;
  try {
    ports = JSON.parse(rowText(row, ENDPOINTS, 'ports'));
  } catch (err) {
    throw new FailedPreconditionError(`metadata.db: network_endpoints.ports of ${containerId} is not JSON; run layerctl gc`, { cause: err });
  }
  return {
    containerId,
    network: rowText(row, ENDPOINTS, 'network'),
    address: rowText(row, ENDPOINTS, 'address'),
    ports: validatePublishedPorts(ports, `network_endpoints.ports of ${containerId}`),
  };
}
