import { runNetworkTool } from './network-tool.ts';

/** One network interface as `ip -json link` shows it, with the fields layerctl reads. */
export interface LinkInfo {
  name: string;
  /** The interface's alias (ifalias): layerctl tags what it makes with it. */
  alias: string | undefined;
  /** 'bridge', 'veth', ... (undefined for a plain device). */
  kind: string | undefined;
  /** The bridge the interface is a port of. */
  master: string | undefined;
}

/** Every interface of the host's network namespace. */
export function listLinks(): LinkInfo[] {
  const parsed: unknown = JSON.parse(runNetworkTool('ip', ['-json', '-details', 'link', 'show']));
  if (!Array.isArray(parsed)) return [];
  return parsed.flatMap((entry: unknown): LinkInfo[] => {
    if (typeof entry !== 'object' || entry === null || !('ifname' in entry) || typeof entry.ifname !== 'string') return [];
    const alias = 'ifalias' in entry && typeof entry.ifalias === 'string' ? entry.ifalias : undefined;
    const master = 'master' in entry && typeof entry.master === 'string' ? entry.master : undefined;
    const info = 'linkinfo' in entry && typeof entry.linkinfo === 'object' && entry.linkinfo !== null ? entry.linkinfo : undefined;
    const kind = info !== undefined && 'info_kind' in info && typeof info.info_kind === 'string' ? info.info_kind : undefined;
    return [{ name: entry.ifname, alias, kind, master }];
  });
}

/** Runs `ip -batch -` in the host's network namespace; `-force` goes on past a failed line. */
export function ipBatch(commands: readonly string[], options: { force?: boolean } = {}): void {
  if (commands.length === 0) return;
  runNetworkTool('ip', [...(options.force === true ? ['-force'] : []), '-batch', '-'], `${commands.join('\n')}\n`);
}

/**
 * Deletes an interface; one already gone is fine. A veth can vanish at any moment once the
 * namespace of its peer is torn down, so a failed delete counts only if the interface is still there.
 */
export function deleteLink(name: string): void {
  try {
    ipBatch([`link delete dev ${name}`]);
  } catch (err) {
    if (listLinks().some((link) => link.name === name)) throw err;
  }
}
