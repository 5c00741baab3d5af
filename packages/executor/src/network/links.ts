import fs from 'node:fs';
import path from 'node:path';
import { readDirOptional } from '@layerctl/sys';
import { runNetworkTool, type ToolCall } from './network-tool.ts';

/**
 * The host's interfaces as sysfs shows them: reading a few small files costs far less than
 * spawning `ip`, so the lookups made on every attach and detach read here. sysfs shows the
 * network namespace of whoever mounted it, the host's, which is where layerctl runs.
 */
const SYS_CLASS_NET = '/sys/class/net';

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

/** Whether the host has an interface of this name. */
export function linkExists(name: string): boolean {
  return fs.existsSync(path.join(SYS_CLASS_NET, name));
}

/** Every interface of the host with its alias and whether it is a bridge (listLinks' fields, without spawning `ip`). */
export function listLinkAliases(): { name: string; alias: string | undefined; bridge: boolean }[] {
  return (readDirOptional(SYS_CLASS_NET) ?? []).flatMap((entry) => {
    const dir = path.join(SYS_CLASS_NET, entry.name);
    let alias: string;
    try {
      alias = fs.readFileSync(path.join(dir, 'ifalias'), 'utf8').trim();
    } catch (err) {
      // The interface went away between the listing and the read (a container's veth, say):
      // gone (ENOENT), or still listed while the kernel unregisters it (EINVAL).
      if (err instanceof Error && 'code' in err && (err.code === 'ENOENT' || err.code === 'EINVAL')) return [];
      throw err;
    }
    return [{ name: entry.name, alias: alias === '' ? undefined : alias, bridge: fs.existsSync(path.join(dir, 'bridge')) }];
  });
}

/** Runs `ip -batch -` in the host's network namespace; `-force` goes on past a failed line. */
export function ipBatch(commands: readonly string[], options: { force?: boolean } = {}): void {
  if (commands.length === 0) return;
  const call = ipBatchCall(commands, options);
  runNetworkTool(call.program, call.args, call.input);
}

/** ipBatch as a call for runNetworkTools. */
export function ipBatchCall(commands: readonly string[], options: { force?: boolean } = {}): ToolCall {
  return { program: 'ip', args: [...(options.force === true ? ['-force'] : []), '-batch', '-'], input: `${commands.join('\n')}\n` };
}

/**
 * Deletes an interface; one already gone is fine. A veth can vanish at any moment once the
 * namespace of its peer is torn down, so a failed delete counts only if the interface is still there.
 */
export function deleteLink(name: string): void {
  try {
    ipBatch([`link delete dev ${name}`]);
  } catch (err) {
    if (linkExists(name)) throw err;
  }
}
