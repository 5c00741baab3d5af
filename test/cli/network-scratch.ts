import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type { ExecutionContext, TestFn } from 'ava';
import { listLinks, listNetworkTables, runNetworkTool } from '@layerctl/executor';
import { parseAlias, rootTag } from '../../packages/layerctl/src/networks/network-names.ts';
import { parseJson, records } from './json-output.ts';
import type { Layerctl } from './snapshot-scratch.ts';
import { must } from './snapshot-scratch.ts';

const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';

/**
 * net.ipv4.ip_forward as it was before the file's first test, put back after its last: layerctl
 * turns it on with its first bridge (as Docker does), a host-wide setting a test must not leave changed.
 */
export function restoreIpForwardForFile(test: TestFn): void {
  let before: string | undefined;
  test.before(() => {
    before = fs.readFileSync(IP_FORWARD, 'utf8');
  });
  test.after.always(() => {
    if (before !== undefined) fs.writeFileSync(IP_FORWARD, before);
  });
}

export function ipForward(): string {
  return fs.readFileSync(IP_FORWARD, 'utf8').trim();
}

/** What a root has on the host's network: its interfaces (by alias), its bridges' tables and addresses, its netns files. */
export function networkLeftovers(root: string, bridges: readonly string[]) {
  const tag = rootTag(root);
  const links = listLinks().filter((link) => parseAlias(link.alias)?.tag === tag).map((link) => link.name);
  const tables = listNetworkTables().filter((table) => bridges.some((bridge) => table === `layerctl_${bridge}`));
  const addresses = runNetworkTool('ip', ['-4', '-o', 'addr', 'show']).split('\n').filter((line) => bridges.some((bridge) => line.includes(` ${bridge} `)));
  const netnsDir = path.join(root, 'netns');
  const netns = fs.existsSync(netnsDir) ? fs.readdirSync(netnsDir) : [];
  return { links, tables, addresses, netns };
}

export const NOTHING_LEFT = { links: [], tables: [], addresses: [], netns: [] };

/** The networks of the root as `network ls --json` shows them. */
export async function networks(t: ExecutionContext, layerctl: Layerctl) {
  return records(parseJson(await must(t, layerctl, ['network', 'ls', '--json'])));
}

/** A container's NetworkSettings from `inspect`. */
export async function networkSettings(t: ExecutionContext, layerctl: Layerctl, container: string): Promise<Record<string, unknown>> {
  const [document] = records(parseJson(await must(t, layerctl, ['inspect', container])));
  const settings = document?.['NetworkSettings'];
  if (typeof settings !== 'object' || settings === null) throw new TypeError(`inspect ${container}: no NetworkSettings`);
  return Object.fromEntries(Object.entries(settings));
}

/** A TCP port on 127.0.0.1 nobody listens on now (the kernel's pick). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new TypeError('no port');
  return address.port;
}

/** GET http://127.0.0.1:PORT/ from the host, each try bounded, until it answers or `ms` pass; the body or undefined. */
export async function getFromHost(port: number, ms = 15_000): Promise<string | undefined> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const body = await new Promise<string | undefined>((resolve) => {
      const request = http.get({ host: '127.0.0.1', port, path: '/', timeout: 2000 }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve(response.statusCode === 200 ? text : undefined));
      });
      request.on('timeout', () => request.destroy());
      request.on('error', () => resolve(undefined));
    });
    if (body !== undefined) return body;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return undefined;
}

/**
 * A busybox shell line that fetches a URL, each try bounded by `timeout` (busybox 1.35's
 * wget -T crashes), retrying while the server starts; prints the body, exits 1 after `tries`.
 */
export function fetchScript(url: string, tries = 40): string {
  return `i=0; while [ $i -lt ${tries} ]; do timeout 2 wget -q -O - ${url} 2>/dev/null && exit 0; i=$((i+1)); sleep 0.25; done; exit 1`;
}

/** A busybox httpd serving `text` at / on `listen` ([IP:]PORT), in the foreground. */
export function serverScript(text: string, listen = '80'): string {
  return `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p ${listen} -h /www`;
}
