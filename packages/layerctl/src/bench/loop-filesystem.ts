import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { attachedLoops, attachLoop, detachLoop, FailedPreconditionError, mount, mountPoints, SysError, umount2, wrapNodeError } from '@layerctl/sys';

/**
 * The filesystems a bench runs on: a sparse image file formatted with mkfs.<kind> and mounted
 * through an autoclear loop device (the device goes when the filesystem is unmounted), or a
 * directory the user names, benchmarked on whatever filesystem holds it.
 */

export const LOOP_KINDS = ['ext4', 'xfs'] as const;
export type LoopKind = (typeof LOOP_KINDS)[number];

/** mkfs's arguments per kind: quiet, forced over an empty file, and for XFS extent sharing (reflink) on. */
const MKFS: Record<LoopKind, { tool: string; args: string[] }> = {
  ext4: { tool: 'mkfs.ext4', args: ['-q', '-F', '-E', 'lazy_itable_init=0,lazy_journal_init=0'] },
  xfs: { tool: 'mkfs.xfs', args: ['-q', '-f', '-m', 'reflink=1'] },
};

export interface BenchFilesystem {
  /** What the report calls it: 'ext4', 'xfs', or the kind of filesystem the given dir is on. */
  name: string;
  /** Where the bench works: the loop filesystem's mount point, or a fresh dir below the given one. */
  dir: string;
  /** How it was made, for the report. */
  detail: string;
}

/** A loop filesystem of `bytes` (sparse) in `scratch`: the image is scratch/<kind>.img, the mount point scratch/<kind>. */
export function makeLoopFilesystem(kind: LoopKind, scratch: string, bytes: number): BenchFilesystem {
  const image = path.join(scratch, `${kind}.img`);
  const dir = path.join(scratch, kind);
  fs.writeFileSync(image, '');
  fs.truncateSync(image, bytes);
  const { tool, args } = MKFS[kind];
  execFileSync(tool, [...args, image], { stdio: ['ignore', 'ignore', 'pipe'] });
  fs.mkdirSync(dir);
  const loop = attachLoop(image, { autoclear: true });
  try {
    mount(loop.path, dir, kind, 0);
  } finally {
    // The mount now holds the device; with autoclear it detaches when the filesystem is unmounted.
    fs.closeSync(loop.fd);
  }
  return { name: kind, dir, detail: `${kind} on ${loop.path} (sparse ${image}, ${bytes} bytes, ${tool} ${args.join(' ')})` };
}

/** A fresh dir below `parent` on the host's own filesystem, named after that filesystem's kind. */
export function hostDirFilesystem(parent: string): BenchFilesystem {
  const dir = fs.mkdtempSync(path.join(path.resolve(parent), 'layerctl-bench-'));
  const kind = execFileSync('stat', ['-f', '-c', '%T', dir], { encoding: 'utf8' }).trim();
  const name = kind === 'ext2/ext3' ? 'ext4' : kind;
  return { name, dir, detail: `${dir} (${kind}, the host's filesystem)` };
}

/** Mount points at or below `dir`, in mount order. */
export function mountsUnder(dir: string): string[] {
  return mountPoints().filter((point) => point === dir || point.startsWith(`${dir}/`));
}

/** Loop devices whose backing file lies at or below `dir` (the kernel appends " (deleted)" once it is unlinked). */
export function loopsUnder(dir: string): number[] {
  return attachedLoops()
    .filter(({ backingFile }) => {
      const file = backingFile.replace(/ \(deleted\)$/, '');
      return file === dir || file.startsWith(`${dir}/`);
    })
    .map(({ number }) => number);
}

/**
 * Takes down everything the bench made below `scratch`, however far it got: every mount there
 * (newest first, so the drivers' mounts go before the filesystem they live on, and a devmapper
 * device's loop before the pool it is a file of), every loop device backed by a file there, then
 * the dir itself. Returns what it did, for the report. Nothing outside `scratch` is touched.
 */
export function removeScratch(scratch: string): string {
  let unmounted = 0;
  const detached = new Set<number>();
  for (let pass = 0; pass < CLEANUP_PASSES; pass++) {
    // The last pass detaches lazily: a mount some descriptor still holds goes once it is closed.
    const flags = pass === CLEANUP_PASSES - 1 ? MNT_DETACH : 0;
    for (const point of mountsUnder(scratch).reverse()) {
      if (tryUnmount(point, flags)) unmounted++;
    }
    const loops = loopsUnder(scratch);
    for (const number of loops) {
      detachLoop(number);
      detached.add(number);
    }
    if (mountsUnder(scratch).length === 0 && loopsUnder(scratch).length === 0) break;
  }
  const left = mountsUnder(scratch);
  if (left.length > 0) throw new FailedPreconditionError(`bench cleanup: ${left.length} mounts still below ${scratch} (first: ${left[0]}); not removing it`);
  try {
    fs.rmSync(scratch, { recursive: true, force: true });
  } catch (err) {
    throw wrapNodeError(err, scratch);
  }
  return `${unmounted} mounts taken off, ${detached.size} loop devices detached, ${scratch} removed`;
}

/** Passes over the mounts: a loop device backed by a file on a filesystem holds that filesystem busy until it is detached. */
const CLEANUP_PASSES = 3;
/** umount2's MNT_DETACH. */
const MNT_DETACH = 2;

/** Unmounts `point`; a mount still busy (a loop device on it not yet detached) waits for the next pass. */
function tryUnmount(point: string, flags: number): boolean {
  try {
    umount2(point, flags);
    return true;
  } catch (err) {
    if (err instanceof SysError && (err.code === 'EBUSY' || err.code === 'EINVAL')) return false;
    throw err;
  }
}

/** Removes a workload's scratch dir, unless something is still mounted in it: then the final cleanup takes it down first. */
export function removeUnmounted(dir: string): void {
  if (mountsUnder(dir).length > 0) return;
  fs.rmSync(dir, { recursive: true, force: true });
}
