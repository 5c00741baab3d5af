import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { FailedPreconditionError, InvalidArgumentError, isMountPoint, wrapNodeError } from '@layerctl/sys';
import { errorCode } from '../error-code.ts';
import { processAlive } from '../process-alive.ts';
import { readOptional } from '../read-optional.ts';
import type { Mount } from './mount.ts';
import { mountAll, unmountAll } from './perform-mount.ts';

/**
 * Mount counts that hold across processes: layerctl has no daemon, so `snapshot mount` in one
 * command and `snapshot unmount` in the next must see the same count, and a build running beside
 * them must not unmount what they mounted.
 *
 * The count lives in a file next to the layer (the driver's layout names it), changed only while a
 * lock file is held. The count alone is not trusted on its own: whether the tree is mounted is
 * read from /proc/self/mountinfo, so a count left behind by a reboot or by an unmount from
 * outside (umount(8)) is reset instead of blocking the next mount. A holders file of pids was
 * not chosen: a mount made by `layerctl snapshot mount` outlives its process by design, so a
 * dead pid would not mean a released mount.
 *
 * The lock is a file made with O_EXCL holding its owner's pid (Node has no flock). A lock whose
 * owner has died is broken by renaming it away, which only one breaker can win.
 */

/** How long to wait for another process's mount or unmount of the same layer. */
const LOCK_WAIT_MS = 30_000;
const LOCK_POLL_MS = 2;

export interface CountedMount {
  /** The count file and the lock file of the layer, and its mount point. */
  countFile: string;
  lockFile: string;
  target: string;
}

/** Adds one count; `mounts` are made at the target first when it is not mounted (whatever the file said). */
export async function countMount(m: CountedMount, mounts: readonly Mount[]): Promise<void> {
  await withLock(m.lockFile, () => {
    const mounted = isMountPoint(m.target);
    const count = mounted ? readCount(m.countFile) : 0;
    if (!mounted) mountAll(mounts, m.target);
    writeCount(m.countFile, count + 1);
  });
}

/** Drops one count; the target is unmounted when it reaches zero. Without any count, nothing happens. */
export async function countUnmount(m: CountedMount): Promise<void> {
  await withLock(m.lockFile, () => {
    const mounted = isMountPoint(m.target);
    const count = mounted ? readCount(m.countFile) : 0;
    if (count > 1) return writeCount(m.countFile, count - 1);
    if (mounted) unmountAll(m.target);
    writeCount(m.countFile, 0);
  });
}

function readCount(countFile: string): number {
  const text = readOptional(countFile);
  if (text === undefined) return 0;
  const count = Number(text);
  if (!Number.isSafeInteger(count) || count < 0) throw new InvalidArgumentError(`${countFile}: not a mount count: ${JSON.stringify(text)}`);
  return count;
}

/** Atomic: a reader sees the old count or the new one, never a torn write, even after a crash. */
function writeCount(countFile: string, count: number): void {
  if (count === 0) {
    fs.rmSync(countFile, { force: true });
    return;
  }
  const temp = `${countFile}.${process.pid}`;
  fs.writeFileSync(temp, String(count));
  fs.renameSync(temp, countFile);
}

async function withLock(lockFile: string, body: () => void): Promise<void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  while (!tryLock(lockFile)) {
    if (Date.now() > deadline) {
      throw new FailedPreconditionError(`${lockFile}: held by pid ${lockOwner(lockFile) ?? '?'} for over ${LOCK_WAIT_MS / 1000} s`);
    }
    await sleep(LOCK_POLL_MS);
  }
  try {
    body();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}

function tryLock(lockFile: string): boolean {
  try {
    fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
    return true;
  } catch (err) {
    if (errorCode(err) !== 'EEXIST') throw wrapNodeError(err, lockFile);
  }
  const owner = lockOwner(lockFile);
  if (owner !== undefined && !processAlive(owner)) breakLock(lockFile, owner);
  return false;
}

/**
 * Renames the dead owner's lock away. Between reading the owner and the rename, another breaker
 * may have won and a live process taken the lock anew; the renamed file then names that live
 * owner, and goes back where it was.
 */
function breakLock(lockFile: string, deadOwner: number): void {
  const stale = `${lockFile}.stale.${process.pid}`;
  try {
    fs.renameSync(lockFile, stale);
  } catch (err) {
    // Another process broke it first.
    if (errorCode(err) === 'ENOENT') return;
    throw wrapNodeError(err, lockFile);
  }
  if (lockOwner(stale) !== deadOwner) fs.linkSync(stale, lockFile);
  fs.rmSync(stale, { force: true });
}

/** The pid in a lock file; undefined while it is being written or once it is gone. */
function lockOwner(lockFile: string): number | undefined {
  const text = readOptional(lockFile);
  return text === undefined || text === '' ? undefined : Number(text);
}
