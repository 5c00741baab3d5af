import fs from 'node:fs';
import path from 'node:path';
import type { CgroupHost } from './cgroup-host.ts';
import { detectCgroups } from './detect-cgroups.ts';

/** This process's cgroup in each hierarchy, one "id:controllers:path" line each (cgroups(7)). */
const PROC_SELF_CGROUP = '/proc/self/cgroup';
const PROCS_FILE = 'cgroup.procs';

/** The write of primeCgroupMove while it waits, shared by every call meanwhile. */
let underWay: Promise<void> | undefined;

/**
 * Starts the RCU grace period that the container's first move into its cgroups waits for, ahead
 * of the move, and resolves once it is over (whatever the kernel answered).
 *
 * Why: a write to cgroup.procs takes the kernel's cgroup threadgroup lock for writing, and the
 * first writer after a quiet spell waits there for an RCU grace period (5-20 ms on this kind of
 * host, more than all of `run`'s own work after the layers are made). Writers that come while
 * one holds the lock, or within one more grace period after, do not wait again. The container's
 * init can only be moved once it is spawned, so its move would wait the full period after it.
 *
 * How: this process writes its own pid to the cgroup.procs of the cgroup it is in already, on
 * Node's thread pool. The kernel takes the lock (the wait), then finds the process where it is
 * told to go and moves nothing, runs no controller's attach, changes no setting: nothing else
 * can be written there to the same effect, since a pid no task has is refused before the lock is
 * taken. The file is checked to list this process first, so a cgroup path that does not map to
 * this mount (another cgroup namespace, a bind of a subtree) is never written. The kernel's
 * cgroup lock is held during the wait, so cgroups made or removed meanwhile wait for it too;
 * call this where that cost is paid anyway (before the container's cgroups are made or right
 * after). Where nothing fits (no such line, no permission), nothing is primed and the move
 * waits as before. A call while an earlier one still waits gets that one's promise.
 */
export function primeCgroupMove(host?: CgroupHost): Promise<void> {
  // A second write would only queue behind the one waiting out the grace period.
  underWay ??= prime(host ?? detectCgroups())?.finally(() => (underWay = undefined));
  return underWay ?? Promise.resolve();
}

/** Queues the write; undefined when there is nothing to prime. */
function prime(host: CgroupHost): Promise<void> | undefined {
  const file = ownProcsFile(host);
  if (file === undefined) return undefined;
  let fd: number;
  try {
    // Opened here, not on the pool: the write must be queued before any move that follows.
    fd = fs.openSync(file, fs.constants.O_WRONLY);
  } catch {
    // No permission (a read-only cgroup mount, say): the move will just wait as it always did.
    return undefined;
  }
  return new Promise((resolve) => {
    // Any answer will do: the write moves nothing, and the real move reports its own failure.
    fs.write(fd, String(process.pid), () => fs.close(fd, () => resolve()));
  });
}

/** The cgroup.procs of this process's own cgroup in the first hierarchy that lists it there, or undefined. */
function ownProcsFile(host: CgroupHost): string | undefined {
  let lines: string[];
  try {
    lines = fs.readFileSync(PROC_SELF_CGROUP, 'utf8').split('\n');
  } catch {
    // No /proc/self/cgroup (a kernel without cgroups): there is nothing to prime.
    return undefined;
  }
  for (const [mount, controllers] of hierarchies(host)) {
    const own = lines.map(parseLine).find((line) => line !== undefined && line.controllers.join(',') === controllers.join(','));
    if (own === undefined) continue;
    const file = path.join(mount, own.path, PROCS_FILE);
    if (listsThisProcess(file)) return file;
  }
  return undefined;
}

/** Each mount point with the controllers its /proc/self/cgroup line names: none for cgroup2, sorted for v1. */
function hierarchies(host: CgroupHost): Array<[string, string[]]> {
  const byMount = new Map<string, string[]>();
  if (host.v2 !== undefined) byMount.set(host.v2.mount, []);
  for (const [controller, mount] of host.v1) byMount.set(mount, [...(byMount.get(mount) ?? []), controller]);
  return [...byMount].map(([mount, controllers]) => [mount, controllers.sort()]);
}

function parseLine(line: string): { controllers: string[]; path: string } | undefined {
  const match = /^\d+:([^:]*):(\/.*)$/.exec(line);
  if (match === null) return undefined;
  const [, controllers = '', where = '/'] = match;
  return { controllers: controllers === '' ? [] : controllers.split(',').sort(), path: where };
}

function listsThisProcess(file: string): boolean {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').includes(String(process.pid));
  } catch {
    // The path does not map to this mount: not ours to write.
    return false;
  }
}
