import type { DatabaseSync } from 'node:sqlite';
import fs from 'node:fs';
import { rowText } from '@layerctl/snapshotter';
import { errorCode } from '@layerctl/snapshotter';
import { parseConfig } from '../containers/container-config.ts';
import { containerPaths } from '../containers/container-paths.ts';
import { hostsFile } from '../containers/etc-files.ts';
import { DEFAULT_NETWORK } from './network-mode.ts';
import type { EndpointRecord } from './network-store.ts';

interface Member {
  id: string;
  name: string;
  hostname: string;
  address: string;
}

/**
 * Rewrites the /etc/hosts of every container on a network. Each gets its own address under its
 * hostname; on a user-defined network also every member (itself too) under its container name (the
 * default `bridge` network has no name resolution, as Docker's). Names resolve through /etc/hosts
 * rather than a DNS server on the gateway: layerctl has no daemon that could keep one running,
 * and the files are rewritten under the metadata write lock whenever a member comes or goes.
 */
export function writeNetworkHosts(db: DatabaseSync, rootDir: string, network: string, endpoints: readonly EndpointRecord[]): void {
  const members = endpoints.flatMap((endpoint) => memberOf(db, endpoint));
  for (const member of members) {
    const named = network === DEFAULT_NETWORK ? [] : members;
    const lines = named.map((other) => `${other.address}\t${other.name}\n`).join('');
    rewriteInPlace(containerPaths(rootDir, member.id).hosts, `${hostsFile(member.hostname, member.address)}${lines}`);
  }
}

function memberOf(db: DatabaseSync, endpoint: EndpointRecord): Member[] {
  const row = db.prepare('SELECT id, name, config FROM containers WHERE id = ?').get(endpoint.containerId);
  if (row === undefined) return [];
  const id = rowText(row, 'containers', 'id');
  const config = parseConfig(rowText(row, 'containers', 'config'), `containers.config of ${id}`);
  return [{ id, name: rowText(row, 'containers', 'name'), hostname: config.hostname, address: endpoint.address }];
}

/**
 * The container's /etc/hosts is a bind mount of this very file: a new file renamed over it would
 * not be seen, so it is written in place, then cut to length (never empty on the way).
 */
function rewriteInPlace(file: string, text: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r+');
  } catch (err) {
    // The container's directory is gone (removed meanwhile): nothing to keep current.
    if (errorCode(err) === 'ENOENT') return;
    throw err;
  }
  try {
    const bytes = Buffer.from(text);
    fs.writeSync(fd, bytes, 0, bytes.length, 0);
    fs.ftruncateSync(fd, bytes.length);
  } finally {
    fs.closeSync(fd);
  }
}
