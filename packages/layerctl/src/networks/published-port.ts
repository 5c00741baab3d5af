import { FailedPreconditionError, InvalidArgumentError } from '@layerctl/sys';
import { parseIpv4, PROTOCOLS, type Protocol } from '@layerctl/executor';

/** One `-p [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp]`, kept in the container's config. */
export interface PublishedPort {
  /** The host address it listens on; undefined: every address of the host. */
  hostIp: string | undefined;
  hostPort: number;
  containerPort: number;
  protocol: Protocol;
}

const PORT = /^\d{1,5}$/;
const MAX_PORT = 65_535;

/** Parses one -p value; the error names it and shows the form. */
export function parsePublishedPort(text: string): PublishedPort {
  const [mapping = '', protocolText = 'tcp', ...extra] = text.split('/');
  const protocol = PROTOCOLS.find((candidate) => candidate === protocolText);
  if (protocol === undefined || extra.length > 0) throw badPublish(text, `protocol "${protocolText}" is not tcp or udp`);
  const parts = mapping.split(':');
  if (parts.length === 1) throw badPublish(text, 'a host port is needed (layerctl picks none at random)');
  if (parts.length > 3) throw badPublish(text, 'too many ":"; IPv6 host addresses are not supported');
  const [hostIpText, hostPortText = '', containerPortText = ''] = parts.length === 3 ? parts : [undefined, ...parts];
  const hostIp = hostIpText === undefined || hostIpText === '' || hostIpText === '0.0.0.0' ? undefined : hostIpText;
  if (hostIp !== undefined) parseIpv4(hostIp, `-p ${text}`);
  return { hostIp, hostPort: port(hostPortText, text, 'host'), containerPort: port(containerPortText, text, 'container'), protocol };
}

function port(value: string, text: string, which: string): number {
  const number = Number(value);
  if (!PORT.test(value) || number < 1 || number > MAX_PORT) throw badPublish(text, `the ${which} port "${value}" is not a number from 1 to ${MAX_PORT}`);
  return number;
}

function badPublish(text: string, why: string): InvalidArgumentError {
  return new InvalidArgumentError(`-p ${text}: ${why}; the form is [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp]`);
}

/** As `docker ps` shows it: 127.0.0.1:8080->80/tcp, 0.0.0.0:53->53/udp. */
export function formatPublishedPort(port: PublishedPort): string {
  return `${port.hostIp ?? '0.0.0.0'}:${port.hostPort}->${port.containerPort}/${port.protocol}`;
}

/** Whether two published ports claim the same host port (the same address, or either on all addresses). */
export function portsClash(a: PublishedPort, b: PublishedPort): boolean {
  return a.protocol === b.protocol && a.hostPort === b.hostPort && (a.hostIp === undefined || b.hostIp === undefined || a.hostIp === b.hostIp);
}

/** Checks published ports read back from metadata.db (outside data). */
export function validatePublishedPorts(value: unknown, where: string): PublishedPort[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw damaged(where, 'an array');
  return value.map((item: unknown, i) => {
    const at = `${where}[${i}]`;
    if (typeof item !== 'object' || item === null) throw damaged(at, 'an object');
    const field = (name: string): unknown => (name in item ? Object.entries(item).find(([key]) => key === name)?.[1] : undefined);
    const hostIp = field('hostIp');
    const protocol = PROTOCOLS.find((candidate) => candidate === field('protocol'));
    const hostPort = field('hostPort');
    const containerPort = field('containerPort');
    if (hostIp !== undefined && typeof hostIp !== 'string') throw damaged(`${at}.hostIp`, 'a string');
    if (protocol === undefined) throw damaged(`${at}.protocol`, 'tcp or udp');
    if (typeof hostPort !== 'number' || !Number.isSafeInteger(hostPort)) throw damaged(`${at}.hostPort`, 'an integer');
    if (typeof containerPort !== 'number' || !Number.isSafeInteger(containerPort)) throw damaged(`${at}.containerPort`, 'an integer');
    return { hostIp, hostPort, containerPort, protocol };
  });
}

function damaged(where: string, wanted: string): FailedPreconditionError {
  return new FailedPreconditionError(`metadata.db: ${where} is not ${wanted}; the record is damaged (layerctl rm -f it)`);
}
