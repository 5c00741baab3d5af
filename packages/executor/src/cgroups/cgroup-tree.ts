import fs from 'node:fs';
import path from 'node:path';
import { errorCode, FailedPreconditionError, readDirOptional, SysError, wrapNodeError } from '@layerctl/sys';
import { readCgroupFileIfExists, waitUntil } from './cgroup-files.ts';

/** How long remove() waits for the last processes of a killed cgroup to leave it. */
const REMOVE_TIMEOUT_MS = 3000;

/**
 * Creates `segments` below `mount` one level at a time, calling `onLevel` for each level after it
 * exists (cpuset fills in its parent's cpus and mems there). A level that exists already is
 * kept: 'layerctl' is shared by every container. Returns the deepest directory.
 */
export function makeCgroupDirs(mount: string, segments: readonly string[], onLevel?: (dir: string, parent: string) => void): string {
  let dir = mount;
  for (const segment of segments) {
    const parent = dir;
    dir = path.join(parent, segment);
    try {
      fs.mkdirSync(dir);
    } catch (err) {
      if (errorCode(err) !== 'EEXIST') throw wrapNodeError(err, dir);
    }
    onLevel?.(dir, parent);
  }
  return dir;
}

/**
 * Removes cgroup directories (the same cgroup in each hierarchy) and their descendants, deepest
 * first. Processes that were just killed leave their cgroups a moment later, so where a directory
 * is busy this waits up to REMOVE_TIMEOUT_MS for the busy ones to empty, and refuses, naming the
 * processes, if they do not; it never kills. A directory already gone counts as removed.
 */
export function removeCgroupTrees(dirs: readonly string[]): void {
  // A container's cgroup is a leaf its processes have left by now: one rmdir per hierarchy does it.
  // Any other case (children, processes, a task still exiting: EBUSY) takes the careful way below.
  const left = dirs.filter((dir) => tryRmdir(dir) !== undefined);
  if (left.length === 0) return;
  const processes = (): number[] => uniquePids(left.map(processesInTree));
  if (!waitUntil(() => processes().length === 0, REMOVE_TIMEOUT_MS)) {
    throw new FailedPreconditionError(`cgroup ${left[0]} still holds processes ${processes().join(' ')}; kill them before removing it`);
  }
  for (const dir of left) {
    for (const each of descendantsFirst(dir)) removeEmptyCgroup(each);
  }
}

/**
 * removeCgroupTrees, but only when the first directory can go at once; false, having removed
 * nothing, when it is busy. A container's processes are in all of its hierarchies, so when the
 * first holds none the others normally hold none either (and if one does, removeCgroupTrees
 * waits for it as it would).
 */
export function removeCgroupTreesIfEmpty(dirs: readonly string[]): boolean {
  const [first, ...rest] = dirs;
  if (first !== undefined && tryRmdir(first) !== undefined) return false;
  removeCgroupTrees(rest);
  return true;
}

/** rmdir, retried while the kernel still counts an exiting task (EBUSY just after the last one left). */
function removeEmptyCgroup(dir: string): void {
  let lastErrno: number | undefined;
  const removed = waitUntil(() => {
    lastErrno = tryRmdir(dir);
    return lastErrno === undefined;
  }, REMOVE_TIMEOUT_MS);
  if (!removed) throw new SysError('rmdir', lastErrno ?? 0, dir);
}

/** undefined on success or when the directory is gone; the errno of a busy directory. */
function tryRmdir(dir: string): number | undefined {
  try {
    fs.rmdirSync(dir);
    return undefined;
  } catch (err) {
    const wrapped = wrapNodeError(err, dir);
    if (!(wrapped instanceof SysError)) throw wrapped;
    if (wrapped.code === 'ENOENT') return undefined;
    if (wrapped.code === 'EBUSY') return wrapped.errno;
    throw wrapped;
  }
}

/**
 * `dir` and every cgroup below it, children before their parents; [] when `dir` is absent, or
 * goes while it is read (another gc or a container's own removal).
 */
function descendantsFirst(dir: string): string[] {
  const entries = readDirOptional(dir);
  if (entries === undefined) return [];
  const order: string[] = [];
  for (const entry of entries) {
    if (entry.isDirectory()) order.push(...descendantsFirst(path.join(dir, entry.name)));
  }
  order.push(dir);
  return order;
}

/** The pids in cgroup.procs of `dir` and every cgroup below it. */
export function processesInTree(dir: string): number[] {
  const pids: number[] = [];
  for (const each of descendantsFirst(dir)) {
    const procs = readCgroupFileIfExists(path.join(each, 'cgroup.procs')) ?? '';
    for (const line of procs.split('\n')) if (line !== '') pids.push(Number(line));
  }
  return pids;
}

/** Sends `signal` to each pid; one that exited meanwhile (ESRCH) is already where it should be. */
export function signalEach(pids: readonly number[], signal: NodeJS.Signals | number): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch (err) {
      if (errorCode(err) !== 'ESRCH') throw wrapNodeError(err);
    }
  }
}

/** The union of pid lists, ascending, each once. */
export function uniquePids(lists: readonly number[][]): number[] {
  return [...new Set(lists.flat())].sort((a, b) => a - b);
}
