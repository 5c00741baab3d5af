import fs from 'node:fs';
import path from 'node:path';
import { MNT_DETACH, SysError, umount2 } from '@layerctl/sys';
import { runNetworkTool } from './network-tool.ts';

/** A file holding a network namespace is an nsfs bind mount; this is the mode of the empty file under it. */
const NETNS_FILE_MODE = 0o444;

/**
 * Makes a new network namespace kept alive by a bind mount on `file` (as `ip netns add` does
 * under /run/netns), with its loopback up. A short-lived `unshare --net=FILE` makes it: Node
 * cannot unshare its own network namespace (only the calling thread would move), and a child
 * that exists only for this is simpler than a thread-safe dance. The container's init then
 * joins it with setns, and the veth end is moved into it by path.
 */
export function createNetnsFile(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, '', { mode: NETNS_FILE_MODE, flag: 'wx' });
  try {
    runNetworkTool('unshare', [`--net=${file}`, 'ip', 'link', 'set', 'lo', 'up']);
  } catch (err) {
    removeNetnsFile(file);
    throw err;
  }
}

/**
 * Unmounts and deletes a netns file; the namespace itself goes once no process is in it. Done
 * again harmlessly: a file that is gone or no longer a mount is fine.
 */
export function removeNetnsFile(file: string): void {
  try {
    umount2(file, MNT_DETACH);
  } catch (err) {
    if (!(err instanceof SysError && (err.code === 'EINVAL' || err.code === 'ENOENT'))) throw err;
  }
  fs.rmSync(file, { force: true });
}

/** Runs `ip -batch -` inside the namespace held by `file`. */
export function ipInNetns(file: string, commands: readonly string[]): void {
  if (commands.length === 0) return;
  runNetworkTool('nsenter', [`--net=${file}`, 'ip', '-batch', '-'], `${commands.join('\n')}\n`);
}
