import { InvalidArgumentError } from '@layerctl/sys';

/** An IPv4 subnet: its first address as a number, and the prefix length. */
export interface Subnet {
  base: number;
  prefix: number;
}

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const ADDRESS_BITS = 32;
/** The longest prefix a bridge network can use: a gateway and one container need two host addresses. */
const LONGEST_NETWORK_PREFIX = 30;

/** Parses a dotted-quad IPv4 address into a number; `what` names the input for the error. */
export function parseIpv4(text: string, what: string): number {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => OCTET.test(part))) {
    throw new InvalidArgumentError(`${what}: "${text}" is not an IPv4 address (a.b.c.d)`);
  }
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** Parses `a.b.c.d/len` as a subnet; host bits must be zero (Docker refuses them too). */
export function parseSubnet(text: string, what: string): Subnet {
  const [address, length, ...rest] = text.split('/');
  const prefix = Number(length);
  if (address === undefined || length === undefined || rest.length > 0 || !/^\d{1,2}$/.test(length) || prefix > LONGEST_NETWORK_PREFIX || prefix < 8) {
    throw new InvalidArgumentError(`${what}: "${text}" is not a subnet a.b.c.d/N with N from 8 to ${LONGEST_NETWORK_PREFIX}`);
  }
  const base = parseIpv4(address, what);
  if (base % subnetSize({ base: 0, prefix }) !== 0) {
    throw new InvalidArgumentError(`${what}: "${text}" has host bits set; the subnet starts at ${formatIpv4(base - (base % subnetSize({ base: 0, prefix })))}/${prefix}`);
  }
  return { base, prefix };
}

export function formatSubnet(subnet: Subnet): string {
  return `${formatIpv4(subnet.base)}/${subnet.prefix}`;
}

/** How many addresses the subnet spans, network and broadcast included. */
export function subnetSize(subnet: Subnet): number {
  return 2 ** (ADDRESS_BITS - subnet.prefix);
}

export function subnetContains(subnet: Subnet, address: number): boolean {
  return address >= subnet.base && address < subnet.base + subnetSize(subnet);
}

export function subnetsOverlap(a: Subnet, b: Subnet): boolean {
  return a.base < b.base + subnetSize(b) && b.base < a.base + subnetSize(a);
}

/** The gateway (the bridge's own address): the first host address, as Docker's. */
export function gatewayOf(subnet: Subnet): number {
  return subnet.base + 1;
}

/**
 * The host offsets containers may take: after the gateway (offset 1), up to but not including
 * the broadcast address.
 */
export function hostOffsets(subnet: Subnet): { first: number; last: number } {
  return { first: 2, last: subnetSize(subnet) - 2 };
}
