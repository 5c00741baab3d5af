import fs from 'node:fs';
import path from 'node:path';
import { attachedLoops, attachLoop, cloneFile, isMountPoint, LOOP_CONTROL, mount, NotSupportedError, SysError, umount2, wrapNodeError } from '@layerctl/sys';
import type { DevmapperOptions, PoolFs } from './options.ts';
import { onPath, runTool } from './run-tool.ts';

/** statfs f_type of the filesystems that share extents (FICLONE). */
const FS_MAGIC: Record<PoolFs, number> = { xfs: 0x58465342, btrfs: 0x9123683e };

/** Names inside <root>/devicemapper for the pool the driver makes itself. */
export const POOL_FILE = 'pool.img';
export const POOL_MOUNT = 'pool';
const IMAGES_DIR = 'images';
const IMAGE_SUFFIX = '.img';
const PROBE_FILE = '.reflink-probe';

/**
 * The reflink thin pool: a filesystem that shares extents (XFS with reflink=1, or btrfs) holding
 * one sparse image file per device. A snapshot is a FICLONE of its origin's image: constant time,
 * no data copied, copy-on-write from then on, as a dm-thin snapshot is.
 *
 * The pool is a directory the user names (devmapper.pool_dir) on such a filesystem, or the
 * driver's own sparse file <root>/devicemapper/pool.img, formatted once and loop-mounted at
 * <root>/devicemapper/pool while in use (Docker's loop-lvm, with a filesystem in place of the
 * thin-pool target). Its loop device is autoclear: it goes when the pool is unmounted, which
 * close() does once no device of the pool is attached any more.
 */
export class ReflinkPool {
  readonly #home: string;
  readonly #opts: DevmapperOptions;

  constructor(home: string, opts: DevmapperOptions) {
    this.#home = home;
    this.#opts = opts;
  }

  /** Whether the pool is the driver's own file rather than a directory the user gave. */
  get ownFile(): boolean {
    return this.#opts.poolDir === undefined;
  }

  get dir(): string {
    return this.#opts.poolDir ?? path.join(this.#home, POOL_MOUNT);
  }

  get imagesDir(): string {
    return path.join(this.dir, IMAGES_DIR);
  }

  image(id: string): string {
    return path.join(this.imagesDir, `${id}${IMAGE_SUFFIX}`);
  }

  /** The layer id of an image file name, or undefined for anything else in the images dir. */
  idOfImage(name: string): string | undefined {
    return name.endsWith(IMAGE_SUFFIX) ? name.slice(0, -IMAGE_SUFFIX.length) : undefined;
  }

  /** The formatted base device every base layer is cloned from (dm-thin's base device). */
  baseImage(): string {
    return path.join(this.dir, `base-${this.#opts.fs}-${this.#opts.baseSize}${IMAGE_SUFFIX}`);
  }

  /** What the pool needs of the host, checked without making anything (init runs on every command). */
  probe(): void {
    if (!fs.existsSync(LOOP_CONTROL)) throw new NotSupportedError(`devmapper: ${LOOP_CONTROL} is missing: the reflink pool needs loop devices (modprobe loop)`);
    const mkfs = `mkfs.${this.#opts.fs}`;
    if (!onPath(mkfs)) throw new NotSupportedError(`devmapper: ${mkfs} is not installed (${this.#opts.fs === 'xfs' ? 'xfsprogs' : 'e2fsprogs'})`);
    if (this.#opts.poolDir !== undefined) return this.#probeDir(this.#opts.poolDir);
    const poolMkfs = `mkfs.${this.#opts.poolFs}`;
    if (!onPath(poolMkfs)) throw new NotSupportedError(`devmapper: ${poolMkfs} is not installed (${this.#opts.poolFs === 'xfs' ? 'xfsprogs' : 'btrfs-progs'}); or give devmapper.pool_dir on an XFS or btrfs filesystem`);
    const known = fs.readFileSync('/proc/filesystems', 'utf8');
    for (const needed of [this.#opts.poolFs, this.#opts.fs]) {
      if (!known.split('\n').some((line) => line.trim() === needed)) throw new NotSupportedError(`devmapper: the kernel has no ${needed} filesystem (/proc/filesystems)`);
    }
  }

  /** Makes the pool ready: the own pool file formatted and mounted when it is not, reflink checked. */
  open(): void {
    if (this.ownFile && !isMountPoint(this.dir)) this.#mountOwnPool();
    fs.mkdirSync(this.imagesDir, { recursive: true, mode: 0o700 });
    this.#checkReflink(this.dir);
  }

  /** Unmounts the driver's own pool once nothing of it is attached; another process's devices keep it up. */
  close(): void {
    if (!this.ownFile || !isMountPoint(this.dir)) return;
    if (attachedLoops().some((loop) => loop.backingFile.startsWith(`${this.dir}/`))) return;
    try {
      umount2(this.dir);
    } catch (err) {
      // EBUSY: another process uses the pool right now; the last one to close takes it down.
      if (err instanceof SysError && err.code === 'EBUSY') return;
      throw err;
    }
  }

  status(): Array<[string, string]> {
    const where = this.ownFile ? `${path.join(this.#home, POOL_FILE)} (sparse, ${this.#opts.poolSize} bytes, ${this.#opts.poolFs}, loop-mounted at ${this.dir} while in use)` : `${this.dir} (given by devmapper.pool_dir)`;
    return [
      ['Pool', `reflink: ${where}`],
      ['Pool Filesystem', this.ownFile ? this.#opts.poolFs : this.#fsName(this.dir)],
    ];
  }

  #fsName(dir: string): string {
    try {
      const type = fs.statfsSync(dir).type;
      return (Object.keys(FS_MAGIC) as PoolFs[]).find((name) => FS_MAGIC[name] === type) ?? `0x${type.toString(16)}`;
    } catch (err) {
      throw wrapNodeError(err, dir);
    }
  }

  #probeDir(dir: string): void {
    if (!fs.existsSync(dir)) throw new NotSupportedError(`devmapper: devmapper.pool_dir ${dir} does not exist`);
    const name = this.#fsName(dir);
    if (name !== 'xfs' && name !== 'btrfs') throw new NotSupportedError(`devmapper: devmapper.pool_dir ${dir} is on ${name}, not on XFS (reflink=1) or btrfs: its files cannot share extents`);
  }

  /** FICLONE of a small file, the one proof that this filesystem shares extents (XFS made without reflink=1 does not). */
  #checkReflink(dir: string): void {
    const probe = path.join(dir, PROBE_FILE);
    fs.writeFileSync(probe, 'probe');
    try {
      cloneFile(probe, `${probe}.clone`);
    } catch (err) {
      throw new NotSupportedError(`devmapper: the pool ${dir} cannot share extents (FICLONE: ${err instanceof SysError ? err.code : String(err)}); XFS needs reflink=1`, { cause: err });
    } finally {
      fs.rmSync(probe, { force: true });
      fs.rmSync(`${probe}.clone`, { force: true });
    }
  }

  #mountOwnPool(): void {
    const file = path.join(this.#home, POOL_FILE);
    if (!fs.existsSync(file)) this.#formatOwnPool(file);
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const loop = attachLoop(file, { autoclear: true, directIo: true });
    try {
      mount(loop.path, this.dir, this.#opts.poolFs, 0);
    } finally {
      // The mount holds the device now; without it, autoclear detaches it here.
      fs.closeSync(loop.fd);
    }
  }

  #formatOwnPool(file: string): void {
    const pending = `${file}.new`;
    fs.writeFileSync(pending, '');
    fs.truncateSync(pending, this.#opts.poolSize);
    const [tool, args] = this.#opts.poolFs === 'xfs' ? ['mkfs.xfs', ['-q', '-f', '-m', 'reflink=1', pending]] : ['mkfs.btrfs', ['-q', '-f', pending]];
    runTool(tool, args);
    // Only a formatted pool gets its name: a crash mid-mkfs leaves pool.img.new, made anew next time.
    fs.renameSync(pending, file);
  }
}

