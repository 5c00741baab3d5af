import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FailedPreconditionError, NotSupportedError, wrapNodeError } from '@layerctl/sys';
import { errorCode } from '../error-code.ts';
import type { Mount } from './mount.ts';

/**
 * FUSE mounts as Mount data: `{ type: 'fuse.<server>', source, options }`. The kernel cannot make
 * them alone: a server process serves the tree for as long as it is mounted, so performing one
 * means running its server, and taking one down means unmounting and then waiting for the server
 * to go (a server still flushing its upper dir would race whoever reads that dir next).
 *
 * The server daemonizes once the mount is in place (libfuse's fuse_daemonize after
 * fuse_session_mount), so mountFuse returns with the tree mounted and the server no child of
 * ours: the mount outlives the process that made it, as a kernel mount does. The server is found
 * again by its mount point, read from /proc (the last word of its command line), by any process.
 */

/** Mount types of this prefix are FUSE filesystems; what follows is the server's program name. */
export const FUSE_TYPE_PREFIX = 'fuse.';

/** The servers layerctl knows how to run: a Mount cannot name an arbitrary program. */
const FUSE_SERVERS = new Set(['fuse-overlayfs']);

/** libfuse 3's setuid helper; as root it unmounts with umount2, and it is what FUSE tools expect. */
const FUSERMOUNT = 'fusermount3';

/** How long a server may take to exit after its mount is gone. */
const SERVER_EXIT_MS = 60_000;
const POLL_MS = 2;

export function isFuseMount(m: Pick<Mount, 'type'>): boolean {
  return m.type.startsWith(FUSE_TYPE_PREFIX);
}

/** Runs the server of `m` on `target`; returns once the tree is mounted. */
export function mountFuse(m: Mount, target: string): void {
  const server = m.type.slice(FUSE_TYPE_PREFIX.length);
  if (!FUSE_SERVERS.has(server)) throw new NotSupportedError(`mount ${target}: unknown FUSE server ${JSON.stringify(server)} (known: ${[...FUSE_SERVERS].join(', ')})`);
  const run = spawnSync(server, ['-o', m.options.join(','), path.resolve(target)], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (run.error !== undefined) {
    if (errorCode(run.error) === 'ENOENT') throw new NotSupportedError(`mount ${target}: ${server} is not installed (apt-get install ${server})`);
    throw wrapNodeError(run.error, server);
  }
  if (run.status !== 0) throw new FailedPreconditionError(`mount ${target} (${server}): ${lastLine(run.stderr) || `exit status ${String(run.status)}`}`);
}

/** Unmounts the FUSE mount on top of `target` and waits for its server to exit. */
export function unmountFuse(target: string): void {
  const pid = fuseServerPid(target);
  const run = spawnSync(FUSERMOUNT, ['-u', target], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (run.error !== undefined) throw wrapNodeError(run.error, FUSERMOUNT);
  if (run.status !== 0) throw new FailedPreconditionError(`unmount ${target} (${FUSERMOUNT} -u): ${lastLine(run.stderr) || `exit status ${String(run.status)}`}`);
  if (pid !== undefined) waitForExit(pid, target);
}

/**
 * The pid of the server serving `target`, or undefined when none is running (it died, and the
 * mount answers ENOTCONN). Servers are known by program name and by their last argument, the
 * mount point, which mountFuse passes as an absolute path.
 */
export function fuseServerPid(target: string): number | undefined {
  const wanted = path.resolve(target);
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const args = readProc(name, 'cmdline')?.split('\0').filter((arg) => arg !== '') ?? [];
    if (args.length < 2 || !FUSE_SERVERS.has(path.basename(args[0] ?? '')) || args.at(-1) !== wanted) continue;
    if (!exited(Number(name))) return Number(name);
  }
  return undefined;
}

function waitForExit(pid: number, target: string): void {
  const deadline = Date.now() + SERVER_EXIT_MS;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  while (!exited(pid)) {
    if (Date.now() > deadline) throw new FailedPreconditionError(`unmount ${target}: its FUSE server (pid ${pid}) is still running ${SERVER_EXIT_MS / 1000} s after the unmount`);
    Atomics.wait(sleeper, 0, 0, POLL_MS);
  }
}

/** Gone, or a zombie: the server has exited even if no one has reaped it yet (it is not our child). */
function exited(pid: number): boolean {
  const stat = readProc(String(pid), 'stat');
  if (stat === undefined) return true;
  // The state follows the command name, which is in parentheses and may hold spaces.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state === 'Z' || state === 'X';
}

/** A /proc/<pid>/ file, or undefined when the process went away while we looked. */
function readProc(pid: string, file: string): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT' || errorCode(err) === 'ESRCH') return undefined;
    throw wrapNodeError(err, `/proc/${pid}/${file}`);
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}
