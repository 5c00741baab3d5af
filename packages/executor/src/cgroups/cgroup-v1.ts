import fs from 'node:fs';
import path from 'node:path';
import { FailedPreconditionError, InvalidArgumentError, NotSupportedError } from '@layerctl/sys';
import type { Resources } from '../spec/runtime-spec.ts';
import type { Cgroup, CgroupStats, FreezerState } from './cgroup.ts';
import { flatKeyedCount, readCgroupFile, readCgroupFileIfExists, waitUntil, writeCgroupFile } from './cgroup-files.ts';
import type { CgroupHost } from './cgroup-host.ts';
import { cgroupPathSegments } from './cgroup-path.ts';
import { makeCgroupDirs, processesInTree, removeCgroupTrees, removeCgroupTreesIfEmpty, uniquePids } from './cgroup-tree.ts';
import { killAllFrozen } from './kill-all.ts';
import { undoCreate } from './undo-create.ts';
import { v1Settings } from './v1-settings.ts';

/** How long freeze() and thaw() wait for the kernel to report the new state. */
const FREEZE_TIMEOUT_MS = 5000;
const FROZEN = 'FROZEN';
const THAWED = 'THAWED';
/** A new cpuset cgroup starts with empty cpus and mems, and a task cannot join it until both are set. */
const CPUSET_INHERITED = ['cpuset.cpus', 'cpuset.mems'];

/**
 * A container's cgroup on v1: a directory at the same path in every hierarchy (and, on a hybrid
 * host, in the cgroup2 mount as well, so the container is tracked there too).
 */
export class CgroupV1 implements Cgroup {
  readonly path: string;
  readonly version = 'v1';
  unenforced: readonly string[] = [];
  readonly #host: CgroupHost;
  readonly #segments: string[];

  constructor(cgroupPath: string, host: CgroupHost) {
    this.path = cgroupPath;
    this.#host = host;
    this.#segments = cgroupPathSegments(cgroupPath);
  }

  static create(cgroupPath: string, resources: Resources, host: CgroupHost): CgroupV1 {
    const cgroup = new CgroupV1(cgroupPath, host);
    try {
      for (const mount of host.v1Mounts()) {
        makeCgroupDirs(mount, cgroup.#segments, mount === host.v1.get('cpuset') ? inheritCpuset : undefined);
      }
      if (host.v2 !== undefined) makeCgroupDirs(host.v2.mount, cgroup.#segments);
      cgroup.update(resources);
    } catch (err) {
      undoCreate(cgroup, err);
    }
    return cgroup;
  }

  /** The cgroup at `cgroupPath` if it exists in any hierarchy. */
  static open(cgroupPath: string, host: CgroupHost): CgroupV1 | undefined {
    const cgroup = new CgroupV1(cgroupPath, host);
    return cgroup.#dirs().some((d) => fs.existsSync(d)) ? cgroup : undefined;
  }

  procsFiles(): string[] {
    return this.#dirs().map((d) => path.join(d, 'cgroup.procs'));
  }

  pids(): number[] {
    return uniquePids(this.#dirs().map(processesInTree));
  }

  freeze(): void {
    this.#setFreezer(FROZEN);
  }

  thaw(): void {
    this.#setFreezer(THAWED);
  }

  state(): FreezerState {
    return readCgroupFile(path.join(this.#need('freezer'), 'freezer.state')) === FROZEN ? 'frozen' : 'thawed';
  }

  stats(): CgroupStats {
    const memory = this.#dir('memory');
    const cpuacct = this.#dir('cpuacct');
    const pids = this.#dir('pids');
    return {
      memoryBytes: memory === undefined ? 0 : Number(readCgroupFile(path.join(memory, 'memory.usage_in_bytes'))),
      cpuUsageNs: cpuacct === undefined ? 0n : BigInt(readCgroupFile(path.join(cpuacct, 'cpuacct.usage'))),
      pidsCurrent: pids === undefined ? this.pids().length : Number(readCgroupFile(path.join(pids, 'pids.current'))),
    };
  }

  oomKilled(): boolean {
    const memory = this.#dir('memory');
    return memory !== undefined && flatKeyedCount(path.join(memory, 'memory.oom_control'), 'oom_kill') > 0;
  }

  killAll(signal: NodeJS.Signals | number = 'SIGKILL'): void {
    killAllFrozen(this, signal, this.#dir('freezer') !== undefined);
  }

  remove(): void {
    removeCgroupTrees(this.#dirs());
  }

  removeIfEmpty(): boolean {
    return removeCgroupTreesIfEmpty(this.#dirs());
  }

  update(resources: Resources): void {
    const unenforced: string[] = [];
    const memory = this.#dir('memory');
    const memsw = memory === undefined ? undefined : readCgroupFileIfExists(path.join(memory, 'memory.memsw.limit_in_bytes'));
    for (const write of v1Settings(resources, memsw === undefined ? undefined : BigInt(memsw))) {
      const dir = this.#dir(write.controller);
      const file = dir === undefined ? undefined : write.files.map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
      if (file !== undefined) {
        writeCgroupFile(file, write.value);
      } else if (write.ifAbsent !== undefined) {
        unenforced.push(write.ifAbsent);
      } else {
        throw new NotSupportedError(
          `cgroup v1 ${dir === undefined ? `controller ${write.controller} is not mounted` : `file ${path.join(dir, write.files[0] ?? '')} is missing`}; it is needed to set ${write.files[0]} to ${write.value}`,
        );
      }
    }
    this.#writeUnified(resources.unified ?? {});
    this.unenforced = unenforced;
  }

  /** The spec's unified files go to the cgroup2 mount of a hybrid host; pure v1 has nowhere for them. */
  #writeUnified(unified: Record<string, string>): void {
    const entries = Object.entries(unified);
    if (entries.length === 0) return;
    const v2 = this.#host.v2;
    if (v2 === undefined) {
      throw new InvalidArgumentError(`linux.resources.unified (${entries.map(([k]) => k).join(', ')}) needs cgroup v2; this host has only v1`);
    }
    const dir = path.join(v2.mount, ...this.#segments);
    for (const [file, value] of entries) {
      if (file.includes('/')) throw new InvalidArgumentError(`linux.resources.unified key "${file}" is not a cgroup file name`);
      writeCgroupFile(path.join(dir, file), value);
    }
  }

  #setFreezer(target: typeof FROZEN | typeof THAWED): void {
    const file = path.join(this.#need('freezer'), 'freezer.state');
    writeCgroupFile(file, target);
    // A task in the middle of a syscall can leave the cgroup FREEZING; writing again retries it.
    const reached = waitUntil(() => {
      if (readCgroupFile(file) === target) return true;
      writeCgroupFile(file, target);
      return false;
    }, FREEZE_TIMEOUT_MS);
    if (reached) return;
    if (target === FROZEN) writeCgroupFile(file, THAWED);
    throw new FailedPreconditionError(`cgroup ${path.dirname(file)} did not become ${target} within ${FREEZE_TIMEOUT_MS} ms (a task stuck in the kernel?)`);
  }

  #dir(controller: string): string | undefined {
    const mount = this.#host.v1.get(controller);
    return mount === undefined ? undefined : path.join(mount, ...this.#segments);
  }

  #need(controller: string): string {
    const dir = this.#dir(controller);
    if (dir === undefined) throw new NotSupportedError(`cgroup v1 controller ${controller} is not mounted on this host`);
    return dir;
  }

  /** The cgroup's directory in every hierarchy, then in the cgroup2 mount of a hybrid host. */
  #dirs(): string[] {
    const dirs = this.#host.v1Mounts().map((m) => path.join(m, ...this.#segments));
    if (this.#host.v2 !== undefined) dirs.push(path.join(this.#host.v2.mount, ...this.#segments));
    return dirs;
  }
}

function inheritCpuset(dir: string, parent: string): void {
  for (const file of CPUSET_INHERITED) {
    if (readCgroupFile(path.join(dir, file)) === '') writeCgroupFile(path.join(dir, file), readCgroupFile(path.join(parent, file)));
  }
}
