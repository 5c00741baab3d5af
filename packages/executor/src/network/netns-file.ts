import fs from 'node:fs';
import path from 'node:path';
import { CLONE_NEWNET, interfaceUp, mount, MNT_DETACH, MS_BIND, setns, SysError, umount2, unshare } from '@layerctl/sys';
import { runNetworkTool } from './network-tool.ts';

/** A file holding a network namespace is an nsfs bind mount; this is the mode of the empty file under it. */
const NETNS_FILE_MODE = 0o444;
const LOOPBACK = 'lo';

/** The calling thread's own network namespace (/proc/self would name the main thread's). */
const THREAD_NETNS = '/proc/thread-self/ns/net';

/**
 * Makes a new network namespace kept alive by a bind mount on `file` (as `ip netns add` does
 * under /run/netns), with its loopback up. Node's main thread makes it itself: unshare moves
 * only the calling thread, which binds its new namespace on the file, brings lo up and goes
 * back to the host's namespace before anything else can run on it (all of it synchronous).
 * libuv's threads never leave the host's namespace. The container's init then joins the
 * namespace with setns, and the veth end is moved into it by path.
 */
export function createNetnsFile(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, '', { mode: NETNS_FILE_MODE, flag: 'wx' });
  try {
    withThreadNetns(() => unshare(CLONE_NEWNET), () => {
      mount(THREAD_NETNS, file, null, MS_BIND);
      interfaceUp(LOOPBACK);
    });
  } catch (err) {
    removeNetnsFile(file);
    throw err;
  }
}

/**
 * Runs `work` with the calling thread in another network namespace (`enter` puts it there),
 * and brings the thread back to the namespace it was in, whatever happens. A child spawned
 * meanwhile (spawnSync forks from this thread) starts in that namespace, as under nsenter.
 */
function withThreadNetns<T>(enter: () => void, work: () => T): T {
  const home = fs.openSync(THREAD_NETNS, 'r');
  try {
    enter();
    try {
      return work();
    } finally {
      setns(home, CLONE_NEWNET, THREAD_NETNS);
    }
  } finally {
    fs.closeSync(home);
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

/** Runs `ip -batch -` inside the namespace held by `file` (spawned from this thread while it is in there). */
export function ipInNetns(file: string, commands: readonly string[]): void {
  if (commands.length === 0) return;
  const target = fs.openSync(file, 'r');
  try {
    withThreadNetns(() => setns(target, CLONE_NEWNET, file), () => runNetworkTool('ip', ['-batch', '-'], `${commands.join('\n')}\n`));
  } finally {
    fs.closeSync(target);
  }
}
