import fs from 'node:fs';
import path from 'node:path';
import { FailedPreconditionError, NotSupportedError } from '@layerctl/sys';
import type { Resources } from '../spec/runtime-spec.ts';
import type { Cgroup, CgroupStats, FreezerState } from './cgroup.ts';
import { attachDeviceFilter } from './device-filter.ts';
import { flatKeyed, flatKeyedCount, readCgroupFile, readCgroupFileIfExists, waitUntil, writeCgroupFile } from './cgroup-files.ts';
import type { CgroupV2Mount } from './cgroup-host.ts';
import { cgroupPathSegments } from './cgroup-path.ts';
import { makeCgroupDirs, processesInTree, removeCgroupTrees, removeCgroupTreesIfEmpty } from './cgroup-tree.ts';
import { isKill, killAllFrozen } from './kill-all.ts';
import { undoCreate } from './undo-create.ts';
import { v2Settings } from './v2-settings.ts';

/** How long freeze() and thaw() wait for cgroup.events to report the new state. */
const FREEZE_TIMEOUT_MS = 5000;

/**
 * A container's cgroup on the unified hierarchy: one directory. A controller works in a cgroup
 * only when every ancestor lists it in cgroup.subtree_control, so creating (and updating)
 * enables what the settings need from the mount's root down to the container's parent. The
 * container's own subtree_control stays empty: a cgroup with controllers enabled for its
 * children may not hold processes itself.
 */
export class CgroupV2 implements Cgroup {
  readonly path: string;
  readonly version = 'v2';
  unenforced: readonly string[] = [];
  readonly #mount: CgroupV2Mount;
  readonly #segments: string[];
  readonly #dir: string;

  constructor(cgroupPath: string, mount: CgroupV2Mount) {
    this.path = cgroupPath;
    this.#mount = mount;
    this.#segments = cgroupPathSegments(cgroupPath);
    this.#dir = path.join(mount.mount, ...this.#segments);
  }

  static create(cgroupPath: string, resources: Resources, mount: CgroupV2Mount): CgroupV2 {
    const cgroup = new CgroupV2(cgroupPath, mount);
    const settings = v2Settings(resources);
    // Check what the root offers before anything is made, so a host without a controller fails clean.
    cgroup.#checkAvailable(mount.mount, settings.controllers);
    try {
      makeCgroupDirs(mount.mount, cgroup.#segments);
      cgroup.update(resources);
    } catch (err) {
      undoCreate(cgroup, err);
    }
    return cgroup;
  }

  static open(cgroupPath: string, mount: CgroupV2Mount): CgroupV2 | undefined {
    const cgroup = new CgroupV2(cgroupPath, mount);
    return fs.existsSync(cgroup.#dir) ? cgroup : undefined;
  }

  procsFiles(): string[] {
    return [path.join(this.#dir, 'cgroup.procs')];
  }

  pids(): number[] {
    return processesInTree(this.#dir).sort((a, b) => a - b);
  }

  freeze(): void {
    this.#setFrozen(true);
  }

  thaw(): void {
    this.#setFrozen(false);
  }

  state(): FreezerState {
    return this.#frozen() ? 'frozen' : 'thawed';
  }

  stats(): CgroupStats {
    const memory = readCgroupFileIfExists(path.join(this.#dir, 'memory.current'));
    const pids = readCgroupFileIfExists(path.join(this.#dir, 'pids.current'));
    // cpu.stat's usage_usec is there without the cpu controller: it is core accounting.
    const usageUsec = flatKeyed(readCgroupFile(path.join(this.#dir, 'cpu.stat'))).get('usage_usec') ?? '0';
    return {
      memoryBytes: memory === undefined ? 0 : Number(memory),
      cpuUsageNs: BigInt(usageUsec) * 1000n,
      pidsCurrent: pids === undefined ? this.pids().length : Number(pids),
    };
  }

  oomKilled(): boolean {
    return flatKeyedCount(path.join(this.#dir, 'memory.events'), 'oom_kill') > 0;
  }

  killAll(signal: NodeJS.Signals | number = 'SIGKILL'): void {
    const killFile = path.join(this.#dir, 'cgroup.kill');
    // cgroup.kill (Linux 5.14) kills the whole subtree at once, forks in flight included.
    if (isKill(signal) && fs.existsSync(killFile)) writeCgroupFile(killFile, '1');
    else killAllFrozen(this, signal, fs.existsSync(path.join(this.#dir, 'cgroup.freeze')));
  }

  remove(): void {
    removeCgroupTrees([this.#dir]);
  }

  removeIfEmpty(): boolean {
    return removeCgroupTreesIfEmpty([this.#dir]);
  }

  update(resources: Resources): void {
    const settings = v2Settings(resources);
    this.#enableControllers(settings.controllers);
    const unenforced = [...settings.unenforced];
    for (const write of settings.writes) {
      const chosen = [write, write.fallback].find((w) => w !== undefined && fs.existsSync(path.join(this.#dir, w.file)));
      if (chosen === undefined && write.ifAbsent !== undefined) unenforced.push(write.ifAbsent);
      // A required file that is missing is left to the kernel's ENOENT, which names it.
      else writeCgroupFile(path.join(this.#dir, (chosen ?? write).file), (chosen ?? write).value);
    }
    const devices = resources.devices ?? [];
    if (devices.length > 0) attachDeviceFilter(this.#dir, devices);
    this.unenforced = unenforced;
  }

  /** Enables `controllers` in cgroup.subtree_control from the root down to the container's parent. */
  #enableControllers(controllers: readonly string[]): void {
    let dir = this.#mount.mount;
    for (const segment of this.#segments) {
      this.#checkAvailable(dir, controllers);
      const file = path.join(dir, 'cgroup.subtree_control');
      const enabled = words(readCgroupFile(file));
      const missing = controllers.filter((c) => !enabled.includes(c));
      // One write for all of them: the kernel takes a space-separated list.
      if (missing.length > 0) writeCgroupFile(file, missing.map((c) => `+${c}`).join(' '));
      dir = path.join(dir, segment);
    }
  }

  #checkAvailable(dir: string, controllers: readonly string[]): void {
    const available = words(readCgroupFile(path.join(dir, 'cgroup.controllers')));
    const absent = controllers.filter((c) => !available.includes(c));
    if (absent.length > 0) {
      throw new NotSupportedError(
        `cgroup v2 controller ${absent.join(', ')} is not available in ${dir} (it offers: ${available.join(' ') || 'none'}); the container's resources need it`,
      );
    }
  }

  #frozen(): boolean {
    return flatKeyed(readCgroupFile(path.join(this.#dir, 'cgroup.events'))).get('frozen') === '1';
  }

  #setFrozen(frozen: boolean): void {
    const file = path.join(this.#dir, 'cgroup.freeze');
    if (!fs.existsSync(file)) throw new NotSupportedError(`${file} is missing: this kernel has no cgroup v2 freezer (Linux 5.2)`);
    writeCgroupFile(file, frozen ? '1' : '0');
    if (waitUntil(() => this.#frozen() === frozen, FREEZE_TIMEOUT_MS)) return;
    if (frozen) writeCgroupFile(file, '0');
    throw new FailedPreconditionError(`cgroup ${this.#dir} did not become ${frozen ? 'frozen' : 'thawed'} within ${FREEZE_TIMEOUT_MS} ms`);
  }
}

function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => w !== '');
}
