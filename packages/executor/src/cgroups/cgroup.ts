import type { Resources } from '../spec/runtime-spec.ts';

export interface CgroupStats {
  /** Memory charged to the cgroup now (v1 memory.usage_in_bytes, v2 memory.current). */
  memoryBytes: number;
  /** CPU time used by the cgroup's processes so far (v1 cpuacct.usage, v2 cpu.stat usage_usec). */
  cpuUsageNs: bigint;
  /** Tasks in the cgroup (pids.current). */
  pidsCurrent: number;
}

export type FreezerState = 'frozen' | 'thawed';

/**
 * One container's cgroup, on v1 (a directory in each hierarchy) or v2 (one directory).
 *
 * Rules:
 * - The cgroup is placed at `path` below each hierarchy's root, never below the cgroup of the
 *   process that creates it.
 * - Creating applies every setting before anyone joins, so the container's first instruction
 *   already runs under its limits; a setting the kernel refuses fails creation, and what was
 *   made is removed again. A setting the host cannot enforce at all is listed in `unenforced`.
 * - freeze() and thaw() return once the kernel reports the new state.
 * - remove() removes the directories (descendants first); it never kills: call killAll() first.
 * - Everything is synchronous: the container's init uses procsFiles() on its main thread.
 */
export interface Cgroup {
  readonly path: string;
  readonly version: 'v1' | 'v2';
  /** What the last create/update could not enforce on this host, one sentence each. */
  readonly unenforced: readonly string[];
  /** Every cgroup.procs the container must join (v1: one per hierarchy). */
  procsFiles(): string[];
  /** The processes in the cgroup and its descendants, ascending. */
  pids(): number[];
  freeze(): void;
  thaw(): void;
  state(): FreezerState;
  stats(): CgroupStats;
  /** Whether the kernel's OOM killer has killed a process of this cgroup. */
  oomKilled(): boolean;
  /** Signals every process (default SIGKILL); v2 uses cgroup.kill, v1 freezes, signals, thaws. */
  killAll(signal?: NodeJS.Signals | number): void;
  /** Removes the cgroup's directories, retrying briefly while the last processes exit. */
  remove(): void;
  /**
   * Removes the cgroup's directories when they can go at once, one rmdir each (no process is
   * left, the common case once a container's PID 1 has died); false, with nothing removed or
   * waited for, when the first of them still holds a process.
   */
  removeIfEmpty(): boolean;
  update(resources: Resources): void;
}
