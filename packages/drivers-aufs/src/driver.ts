import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import {
  applyLayer,
  compareEntryPaths,
  countMount,
  countUnmount,
  diskUsage,
  errorCode,
  packChanges,
  unmountAll,
  type Change,
  type CountedMount,
  type Driver,
  type Mount,
} from '@layerctl/snapshotter';
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, isMountPoint, mountPoints, NotSupportedError, wrapNodeError } from '@layerctl/sys';
import { branchChanges } from './branch-changes.ts';
import type { Branches } from './branches.ts';
import { parseAufsOptions, type AufsOptions, type MountPath } from './driver-options.ts';
import { fuseMounts } from './fuse-mounts.ts';
import { kernelAufsMounts } from './kernel-mounts.ts';
import { DIFF_DIR, FUSE_WORK_DIR, LAYER_DIRS, LAYERS_DIR, Layout, MNT_DIR, MOUNT_COUNT_FILE, MOUNT_LOCK_FILE, REMOVING_SUFFIX, SEALED_FILE, WORK_DIR } from './layout.ts';
import { probe, PROC_FILESYSTEMS, unsupported, type ProbeResult } from './probe.ts';
import { sealBranch } from './seal.ts';
import { aufsWhiteouts } from './whiteout.ts';

/** layerctl's own folders are private; branches are the image's root dirs and keep 0755 like Docker's. */
const PRIVATE_MODE = 0o700;
const BRANCH_MODE = 0o755;
/**
 * aufs's external inode table (aufs(5) "xino="), one file for every mount of this root, under the
 * root's tmp/ on the branches' filesystem; not a tempName, so tmp/'s sweep leaves it alone.
 */
const XINO_FILE = 'aufs.xino';

/**
 * aufs: layers as aufs branches (layout.ts), whose whiteouts are the `.wh.` files layer tars
 * carry, so a diff is the branch itself and an apply is an untar.
 *
 * Two mount paths over the same branches, chosen by probe.ts (or `aufs.mount=`): kernel aufs
 * (kernel-mounts.ts) where the kernel has it, else fuse-overlayfs (fuse-mounts.ts). FUSE mounts
 * are served by a fuse-overlayfs process, which the snapshotter's mount helper starts and, on
 * unmount, waits out; any later process finds that server again by its mount point in /proc
 * (fuseServerPid). init() unmounts what a killed server left under mnt/ (ENOTCONN).
 *
 * fuse-overlayfs writes its own whiteout forms into the upper branch; a layer's branch is sealed
 * into pure aufs format (seal.ts) when it becomes a parent, which only a committed layer can.
 * Diffs read either form (whiteout.ts), so they are the same before and after sealing.
 */
export class AufsDriver implements Driver {
  readonly name = 'aufs';
  readonly #layout: Layout;
  readonly #tmpDir: string;
  readonly #forced: AufsOptions;
  #setup: Setup | undefined;

  constructor(options: { root: string; tmpDir: string; options?: Record<string, string> }) {
    this.#layout = new Layout(options.root);
    this.#tmpDir = options.tmpDir;
    this.#forced = parseAufsOptions(options.options ?? {});
  }

  async init(): Promise<void> {
    for (const dir of LAYER_DIRS) fs.mkdirSync(path.join(this.#layout.home, dir), { recursive: true, mode: PRIVATE_MODE });
    fs.mkdirSync(this.#tmpDir, { recursive: true, mode: PRIVATE_MODE });
    this.#unmountStale();
    this.#sweepRemoving();
    this.#setup = chooseSetup(probe(this.#layout.home, this.#tmpDir), this.#forced, path.join(this.#tmpDir, XINO_FILE));
  }

  status(): Array<[string, string]> {
    const { probed: p, mountPath, chosenBy } = this.#probed();
    const kernel = p.kernelAufs
      ? `listed in ${PROC_FILESYSTEMS}; dirperm1 ${p.dirperm1 === true ? 'accepted' : 'refused'} by a trial mount`
      : `not in ${PROC_FILESYSTEMS}: the kernel path (br: options, dirperm1, xino, remount append:) is untested on this host`;
    return [
      ['Backing Filesystem', p.backingFs],
      ['Mount path', mountPath === 'kernel' ? `kernel aufs (${chosenBy})` : `fuse-overlayfs ${p.fuse.works ? p.fuse.version : ''} over the aufs branches (${chosenBy})`],
      ['Kernel aufs', kernel],
      ['FUSE', p.fuse.works ? `fuse-overlayfs ${p.fuse.version}: a server process per mount, waited for on unmount` : p.fuse.why],
      ['Whiteouts', '.wh.<name> files and .wh..wh..opq in the branches (aufs format); FUSE upper dirs are sealed into it when they become parents'],
      ['Layer limit', mountPath === 'kernel' ? 'one page of br: options, then remount append: (aufs compiled-in branch maximum)' : 'fuse-overlayfs lowerdir= list (no page limit)'],
      ['Mount counting', 'a count file per layer, changed under a lock file, checked against /proc/self/mountinfo'],
    ];
  }

  async create(id: string, parent: string | undefined, opts: { readonly: boolean }): Promise<void> {
    const layout = this.#layout;
    if (layout.exists(id)) throw new AlreadyExistsError(`aufs layer ${id} already exists`);
    const ancestors = parent === undefined ? [] : [parent, ...layout.readAncestors(parent)];
    if (parent !== undefined) this.#seal(parent);
    // Leftovers of a create() that did not finish (no layers/ file yet) are replaced.
    this.#removeDirs(id);
    fs.mkdirSync(layout.diff(id), { mode: BRANCH_MODE });
    fs.mkdirSync(layout.mnt(id), { mode: PRIVATE_MODE });
    fs.mkdirSync(layout.of(WORK_DIR, id), { mode: PRIVATE_MODE });
    if (!opts.readonly) fs.mkdirSync(layout.work(id, FUSE_WORK_DIR), { mode: PRIVATE_MODE });
    layout.writeAncestors(id, ancestors);
  }

  async remove(id: string): Promise<void> {
    const layout = this.#layout;
    if (!LAYER_DIRS.some((dir) => fs.existsSync(layout.of(dir, id)))) return;
    // Never a recursive remove through a mount: it would delete the files the mount shows. The
    // snapshotter never removes a mounted layer, so a mount here is a killed process's leftover.
    unmountAll(layout.mnt(id));
    this.#removeDirs(id);
  }

  exists(id: string): boolean {
    return this.#layout.exists(id);
  }

  list(): string[] {
    const ids = new Set<string>();
    for (const dir of LAYER_DIRS) {
      for (const name of fs.readdirSync(path.join(this.#layout.home, dir))) if (!name.endsWith(REMOVING_SUFFIX)) ids.add(name);
    }
    return [...ids];
  }

  mounts(id: string): Mount[] {
    const { mountPath, xino, dirperm1 } = this.#probed();
    const branches = this.#branches(id);
    return mountPath === 'kernel' ? kernelAufsMounts(branches, { xino, dirperm1 }) : fuseMounts(branches);
  }

  async mount(id: string): Promise<string> {
    const counted = this.#counted(id);
    await countMount(counted, this.mounts(id));
    return counted.target;
  }

  async unmount(id: string): Promise<void> {
    this.#layout.readAncestors(id);
    const counted = this.#counted(id);
    await countUnmount(counted);
  }

  diff(id: string, parent: string | undefined): Readable {
    const lowers = this.#checkParent(id, parent, 'diff').map((a) => this.#layout.diff(a));
    return packChanges(this.#layout.diff(id), branchChanges(this.#layout.diff(id)), { whiteouts: aufsWhiteouts(lowers) });
  }

  async applyDiff(id: string, parent: string | undefined, tar: AsyncIterable<Buffer>): Promise<number> {
    this.#checkParent(id, parent, 'applyDiff to');
    if (!fs.existsSync(this.#layout.work(id, FUSE_WORK_DIR))) throw new FailedPreconditionError(`aufs applyDiff to ${id}: the layer was created read-only`);
    const { size } = await applyLayer(this.#layout.diff(id), tar, { whiteouts: aufsWhiteouts() });
    // An untarred branch holds only aufs whiteouts (the converter's) already.
    fs.writeFileSync(this.#layout.work(id, SEALED_FILE), '');
    return size;
  }

  async changes(id: string, parent: string | undefined): Promise<Change[]> {
    const ancestors = this.#checkParent(id, parent, 'changes of');
    const lowers = ancestors.map((a) => this.#layout.diff(a));
    return [...branchChanges(this.#layout.diff(id), lowers)].sort((a, b) => compareEntryPaths(a.path, b.path));
  }

  async usage(id: string): Promise<{ size: number; inodes: number }> {
    this.#layout.readAncestors(id);
    return diskUsage(this.#layout.diff(id));
  }

  async close(): Promise<void> {
    // Mount counts live on disk (countMount in @layerctl/snapshotter) and FUSE servers outlive us by design.
  }

  #probed(): Setup {
    if (this.#setup === undefined) throw new FailedPreconditionError('aufs: init() has not run');
    return this.#setup;
  }

  #branches(id: string): Branches {
    const layout = this.#layout;
    const ro = layout.readAncestors(id).map((a) => layout.diff(a));
    const work = layout.work(id, FUSE_WORK_DIR);
    return { ...(fs.existsSync(work) ? { rw: { diff: layout.diff(id), work } } : {}), ro, own: layout.diff(id) };
  }

  /**
   * The layer's ancestors, after checking that `parent` is its parent: a branch holds the
   * changes against its own parent only (comparing against another layer is not done here).
   */
  #checkParent(id: string, parent: string | undefined, what: string): string[] {
    const ancestors = this.#layout.readAncestors(id);
    if (ancestors[0] !== parent) throw new InvalidArgumentError(`aufs ${what} ${id}: ${parent ?? 'no parent'} is not its parent (${ancestors[0] ?? 'none'} is)`);
    return ancestors;
  }

  /** Seals a layer's branch into aufs format once (see seal.ts); a layer becoming a parent is committed. */
  #seal(id: string): void {
    const sealed = this.#layout.work(id, SEALED_FILE);
    if (fs.existsSync(sealed)) return;
    sealBranch(this.#layout.diff(id));
    fs.writeFileSync(sealed, '');
  }

  #counted(id: string): CountedMount {
    const layout = this.#layout;
    return { countFile: layout.work(id, MOUNT_COUNT_FILE), lockFile: layout.work(id, MOUNT_LOCK_FILE), target: layout.mnt(id) };
  }

  /** Renames the layer's folders away (layers/ first, so it stops existing at once), then deletes them. */
  #removeDirs(id: string): void {
    const layout = this.#layout;
    if (isMountPoint(layout.mnt(id))) throw new FailedPreconditionError(`aufs layer ${id} is still mounted at ${layout.mnt(id)}`);
    const renamed: string[] = [];
    for (const dir of LAYER_DIRS) {
      const from = layout.of(dir, id);
      try {
        fs.renameSync(from, `${from}${REMOVING_SUFFIX}`);
        renamed.push(`${from}${REMOVING_SUFFIX}`);
      } catch (err) {
        if (errorCode(err) !== 'ENOENT') throw wrapNodeError(err, from);
      }
    }
    for (const leftover of renamed) fs.rmSync(leftover, { recursive: true, force: true });
  }

  /** Deletes what a killed remove() left (`<id>-removing`), taking down a mount there first. */
  #sweepRemoving(): void {
    for (const dir of LAYER_DIRS) {
      const folder = path.join(this.#layout.home, dir);
      for (const name of fs.readdirSync(folder)) {
        if (!name.endsWith(REMOVING_SUFFIX)) continue;
        if (dir === MNT_DIR) unmountAll(path.join(folder, name));
        fs.rmSync(path.join(folder, name), { recursive: true, force: true });
      }
    }
  }

  /**
   * Unmounts mounts under mnt/ that no one can use any more: a FUSE mount whose server died
   * (ENOTCONN: a killed fuse-overlayfs), or a mount of a layer that does not exist (a create or
   * remove that was killed). Live mounts of existing layers stay: counts may hold them.
   */
  #unmountStale(): void {
    const mnt = path.join(this.#layout.home, MNT_DIR);
    for (const point of mountPoints().filter((m) => m.startsWith(`${mnt}/`))) {
      const id = path.basename(point);
      const gone = id.endsWith(REMOVING_SUFFIX) || !fs.existsSync(path.join(this.#layout.home, LAYERS_DIR, id));
      if (gone || serverDead(point)) unmountAll(point);
    }
  }
}

/** A FUSE mount whose server is gone answers every call with ENOTCONN. */
function serverDead(point: string): boolean {
  try {
    fs.statSync(point);
    return false;
  } catch (err) {
    if (errorCode(err) === 'ENOTCONN') return true;
    throw wrapNodeError(err, point);
  }
}

/** What the probe found and the options forced, decided once at init(). */
interface Setup {
  probed: ProbeResult;
  mountPath: MountPath;
  chosenBy: string;
  xino: string;
  dirperm1: boolean;
}

function chooseSetup(probed: ProbeResult, forced: AufsOptions, xino: string): Setup {
  const common = { probed, xino, dirperm1: probed.dirperm1 === true };
  if (forced.mountPath === 'kernel' && !probed.kernelAufs) throw new NotSupportedError(`aufs: aufs.mount=kernel was asked for, but ${PROC_FILESYSTEMS} does not list aufs`);
  if (forced.mountPath === 'fuse' && !probed.fuse.works) throw new NotSupportedError(`aufs: aufs.mount=fuse was asked for, but ${probed.fuse.why}`);
  if (forced.mountPath !== undefined) return { ...common, mountPath: forced.mountPath, chosenBy: `forced by aufs.mount=${forced.mountPath}` };
  if (probed.kernelAufs) return { ...common, mountPath: 'kernel', chosenBy: `the kernel lists aufs in ${PROC_FILESYSTEMS}` };
  if (probed.fuse.works) return { ...common, mountPath: 'fuse', chosenBy: `the kernel has no aufs: not in ${PROC_FILESYSTEMS}` };
  throw unsupported(probed);
}
