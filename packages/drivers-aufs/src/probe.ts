import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { backingFilesystem, errorMessage, mountAll, readOptional, tempName, unmountAll } from '@layerctl/snapshotter';
import { LayerctlError, NotSupportedError } from '@layerctl/sys';
import { FUSE_OVERLAYFS, fuseMounts } from './fuse-mounts.ts';
import { AUFS_TYPE, kernelAufsMounts } from './kernel-mounts.ts';

/**
 * What this host offers the aufs driver, found by looking and trying (never by kernel version):
 * kernel aufs where /proc/filesystems lists it, fuse-overlayfs where it is installed and a tiny
 * mount of aufs-format branches under <root>/tmp hides what a `.wh.` file whites out.
 */
export interface ProbeResult {
  backingFs: string;
  /** Whether the kernel lists aufs among its filesystems. */
  kernelAufs: boolean;
  /** Whether a trial kernel aufs mount took dirperm1; undefined when kernel aufs was not tried. */
  dirperm1: boolean | undefined;
  /** fuse-overlayfs's version line when it works here, or why it does not. */
  fuse: { works: true; version: string } | { works: false; why: string };
}

export const PROC_FILESYSTEMS = '/proc/filesystems';
const FUSE_DEVICE = '/dev/fuse';


/** The filesystem names in /proc/filesystems text ("nodev\taufs" or "\text4" lines). */
export function kernelFilesystems(text: string): Set<string> {
  return new Set(text.split('\n').map((line) => line.split('\t').at(-1)?.trim() ?? '').filter((name) => name !== ''));
}

/** Probes in a scratch dir under `tmpDir`, on the filesystem the branches live on. */
export function probe(home: string, tmpDir: string): ProbeResult {
  const backingFs = backingFilesystem(home);
  const kernelAufs = kernelFilesystems(readOptional(PROC_FILESYSTEMS) ?? '').has(AUFS_TYPE);
  const dir = path.join(tmpDir, tempName('aufs-probe'));
  fs.mkdirSync(dir, { mode: 0o700 });
  try {
    return { backingFs, kernelAufs, dirperm1: kernelAufs ? tryDirperm1(dir) : undefined, fuse: tryFuse(dir) };
  } finally {
    // Each try takes its mount down whether it worked or not; what a failed unmount left shows
    // inside `dir`, so this remove stays inside `dir`.
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Two branches, the upper whiting out the lower's `hidden`, and a mount point. */
function trialBranches(dir: string, name: string): { upper: string; lower: string; merged: string } {
  const made = (sub: string): string => {
    const full = path.join(dir, name, sub);
    fs.mkdirSync(full, { recursive: true });
    return full;
  };
  const [upper, lower, merged] = [made('upper'), made('lower'), made('merged')];
  fs.writeFileSync(path.join(lower, 'hidden'), '');
  fs.writeFileSync(path.join(lower, 'shown'), '');
  fs.writeFileSync(path.join(upper, '.wh.hidden'), '');
  return { upper, lower, merged };
}

function tryFuse(dir: string): ProbeResult['fuse'] {
  if (!fs.existsSync(FUSE_DEVICE)) return { works: false, why: `${FUSE_DEVICE} is missing` };
  const version = spawnSync(FUSE_OVERLAYFS, ['--version'], { encoding: 'utf8' });
  if (version.error !== undefined || version.status !== 0) return { works: false, why: `${FUSE_OVERLAYFS} is not installed (apt-get install ${FUSE_OVERLAYFS})` };
  const { upper, lower, merged } = trialBranches(dir, 'fuse');
  try {
    mountAll(fuseMounts({ ro: [upper, lower], own: upper }), merged);
  } catch (err) {
    if (!(err instanceof LayerctlError)) throw err;
    return { works: false, why: `${FUSE_OVERLAYFS} does not mount here (${errorMessage(err)})` };
  }
  try {
    const names = fs.readdirSync(merged).sort().join(',');
    if (names !== 'shown') return { works: false, why: `${FUSE_OVERLAYFS} shows ${names || 'nothing'} over a branch whiting out "hidden" (expected only "shown")` };
  } finally {
    unmountAll(merged);
  }
  const line = `${version.stdout}\n${version.stderr}`.split('\n').find((l) => l.startsWith(`${FUSE_OVERLAYFS}:`)) ?? FUSE_OVERLAYFS;
  return { works: true, version: line.replace(/^fuse-overlayfs: (version )?/, '') };
}

/** Whether kernel aufs mounts with dirperm1 (aufs 3.x+ has it; older modules refuse the word). */
function tryDirperm1(dir: string): boolean {
  const { upper, lower, merged } = trialBranches(dir, 'kernel');
  const xino = path.join(dir, 'xino');
  try {
    mountAll(kernelAufsMounts({ rw: { diff: upper, work: '' }, ro: [lower], own: upper }, { xino, dirperm1: true }), merged);
  } catch (err) {
    if (!(err instanceof LayerctlError)) throw err;
    return false;
  }
  unmountAll(merged);
  return true;
}

/** NotSupportedError naming what this host lacks for either path. */
export function unsupported(p: ProbeResult): NotSupportedError {
  const fuse = p.fuse.works ? '' : p.fuse.why;
  return new NotSupportedError(`aufs: the kernel has no aufs (not in ${PROC_FILESYSTEMS}) and the FUSE path does not work: ${fuse}`);
}
