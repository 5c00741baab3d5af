import { createHash } from 'node:crypto';
import path from 'node:path';

/** The default root's default bridge: the one name a person sees in `ip link`. */
export const DEFAULT_BRIDGE = 'layerctl0';
export const DEFAULT_ROOT = '/var/lib/layerctl';
/** <root>/netns/<container id>: the nsfs bind mount holding a container's network namespace. */
export const NETNS_DIR = 'netns';
/** Every interface layerctl makes carries an alias starting so: layerctl/<root tag>/<what>. */
export const ALIAS_PREFIX = 'layerctl/';
/**
 * /run/layerctl/roots/<root tag> holds the root's path: a later gc of any root can then tell
 * that the root behind another tag's interfaces is gone (a removed scratch root, say) and take
 * them down. On /run, so it goes at reboot with the interfaces themselves.
 */
export const ROOT_STAMPS_DIR = '/run/layerctl/roots';
/** Linux interface names are at most 15 characters (IFNAMSIZ - 1). */
const HEX_IN_NAME = 11;

/** A short tag of the root directory: interfaces of another root (another tag) are never touched. */
export function rootTag(rootDir: string): string {
  return hex(path.resolve(rootDir)).slice(0, 8);
}

/**
 * The bridge of a network. The default root's `bridge` network is layerctl0; any other network
 * or root gets a name from a hash of both, so two roots on one host (tests, side-by-side
 * installs) never share a bridge.
 */
export function bridgeName(rootDir: string, network: string): string {
  if (network === 'bridge' && path.resolve(rootDir) === DEFAULT_ROOT) return DEFAULT_BRIDGE;
  return `lcb${hex(`${path.resolve(rootDir)}\0${network}`).slice(0, HEX_IN_NAME)}`;
}

/** The host end of a container's veth pair. */
export function vethName(containerId: string): string {
  return `lcv${containerId.slice(0, HEX_IN_NAME)}`;
}

export function bridgeAlias(rootDir: string, network: string): string {
  return `${ALIAS_PREFIX}${rootTag(rootDir)}/network/${network}`;
}

export function vethAlias(rootDir: string, containerId: string): string {
  return `${ALIAS_PREFIX}${rootTag(rootDir)}/container/${containerId}`;
}

/** What an alias says: the root tag and what the interface is for; undefined for another's. */
export function parseAlias(alias: string | undefined): { tag: string; kind: string; name: string } | undefined {
  if (alias === undefined || !alias.startsWith(ALIAS_PREFIX)) return undefined;
  const [tag, kind, ...rest] = alias.slice(ALIAS_PREFIX.length).split('/');
  if (tag === undefined || kind === undefined || rest.length === 0) return undefined;
  return { tag, kind, name: rest.join('/') };
}

export function rootStamp(tag: string): string {
  return path.join(ROOT_STAMPS_DIR, tag);
}

export function netnsFile(rootDir: string, containerId: string): string {
  return path.join(rootDir, NETNS_DIR, containerId);
}

function hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
