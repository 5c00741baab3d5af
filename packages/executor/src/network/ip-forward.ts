import fs from 'node:fs';
import path from 'node:path';

const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';
/**
 * Kept on /run (tmpfs, gone at reboot like the setting itself): says layerctl switched
 * forwarding on, so the last layerctl bridge to go switches it back off. A host where it was on
 * already is left as it was.
 */
export const IP_FORWARD_MARKER = '/run/layerctl/ip_forward-enabled';

/**
 * Routing between a bridge and the host's other interfaces (outbound NAT, published ports
 * from outside, replies) needs net.ipv4.ip_forward, a host-wide setting; Docker turns it on as
 * well. Turned on only when off, and remembered.
 */
export function enableIpForward(): void {
  if (fs.readFileSync(IP_FORWARD, 'utf8').trim() === '1') return;
  fs.mkdirSync(path.dirname(IP_FORWARD_MARKER), { recursive: true, mode: 0o755 });
  fs.writeFileSync(IP_FORWARD_MARKER, `${process.pid}\n`);
  fs.writeFileSync(IP_FORWARD, '1');
}

/** Once no layerctl bridge is left on the host: forwarding back off, if layerctl turned it on. */
export function releaseIpForward(layerctlBridgesLeft: number): void {
  if (layerctlBridgesLeft > 0 || !fs.existsSync(IP_FORWARD_MARKER)) return;
  fs.writeFileSync(IP_FORWARD, '0');
  fs.rmSync(IP_FORWARD_MARKER, { force: true });
}
