import fs from 'node:fs';
import { errorCode } from '@layerctl/snapshotter';
import type { NetworkMode } from './container-config.ts';
import type { ContainerPaths } from './container-paths.ts';

/** Where the host keeps its resolver configuration (resolv.conf(5)). */
const HOST_RESOLV_CONF = '/etc/resolv.conf';
const HOST_HOSTS = '/etc/hosts';
/** Docker's fallback when the host has no nameserver a container can reach. */
const DEFAULT_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];

/** /etc/hosts of a container with its own network namespace: loopback names and its own hostname (on its network address, once it has one). */
export function hostsFile(hostname: string, address = '127.0.0.1'): string {
  return [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    `${address}\t${hostname}`,
    '',
  ].join('\n');
}

/**
 * The host's resolv.conf for the container. In a namespace of its own a loopback nameserver
 * (systemd-resolved's 127.0.0.53) points at nothing, so those lines go, as Docker drops them, and
 * Docker's public fallback is used when none is left.
 */
export function resolvConfFile(hostResolvConf: string | undefined, network: NetworkMode): string {
  const lines = (hostResolvConf ?? '').split('\n');
  if (network === 'host') return hostResolvConf ?? DEFAULT_NAMESERVERS.map((ns) => `nameserver ${ns}`).join('\n') + '\n';
  const isLoopbackServer = (line: string): boolean => /^\s*nameserver\s+(127\.|::1\s*$)/.test(line);
  const kept = lines.filter((line) => !isLoopbackServer(line));
  const hasServer = kept.some((line) => /^\s*nameserver\s/.test(line));
  const body = kept.join('\n').trimEnd();
  const fallback = hasServer ? '' : DEFAULT_NAMESERVERS.map((ns) => `nameserver ${ns}\n`).join('');
  return `${body === '' ? '' : `${body}\n`}${fallback}`;
}

/** Writes the container's hosts, hostname and resolv.conf, which the bundle binds over /etc. */
export function writeEtcFiles(paths: ContainerPaths, hostname: string, network: NetworkMode): void {
  const hosts = network === 'host' ? readOptional(HOST_HOSTS) ?? hostsFile(hostname) : hostsFile(hostname);
  fs.writeFileSync(paths.hosts, hosts, { mode: 0o644 });
  fs.writeFileSync(paths.hostname, `${hostname}\n`, { mode: 0o644 });
  fs.writeFileSync(paths.resolvConf, resolvConfFile(readOptional(HOST_RESOLV_CONF), network), { mode: 0o644 });
}

function readOptional(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    // A host without the file gets Docker's defaults.
    if (errorCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}
