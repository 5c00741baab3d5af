import path from 'node:path';

/**
 * How this host offers cgroups.
 * - 'v1': one cgroup (v1) filesystem per hierarchy, each holding one or more controllers.
 * - 'v2': one cgroup2 filesystem holding every controller (most production hosts).
 * - 'hybrid': v1 hierarchies for the controllers plus a cgroup2 mount beside them (systemd's
 *   /sys/fs/cgroup/unified), which may hold a few controllers of its own (hugetlb here).
 *   Limits go through v1; the container joins the cgroup2 mount too, so it is tracked there.
 */
export type CgroupVersion = 'v1' | 'v2' | 'hybrid';

export interface CgroupV2Mount {
  /** The cgroup2 mount point, e.g. /sys/fs/cgroup or /sys/fs/cgroup/unified. */
  readonly mount: string;
  /** The controllers its root offers (the root's cgroup.controllers). */
  readonly controllers: readonly string[];
}

export interface CgroupHostInit {
  version: CgroupVersion;
  /** v1 hierarchies: controller ('memory', 'cpu', or 'name=systemd' for a named one) -> mount point. */
  v1: ReadonlyMap<string, string>;
  v2?: CgroupV2Mount;
  /** v1: whether the memory hierarchy has memory.memsw.* (swap accounting is on). */
  v1SwapAccounting?: boolean;
}

/** The cgroup layout detectCgroups() found; `describe()` gives the lines `layerctl info` shows. */
export class CgroupHost {
  readonly version: CgroupVersion;
  readonly v1: ReadonlyMap<string, string>;
  readonly v2: CgroupV2Mount | undefined;
  readonly v1SwapAccounting: boolean;

  constructor(init: CgroupHostInit) {
    this.version = init.version;
    this.v1 = init.v1;
    this.v2 = init.v2;
    this.v1SwapAccounting = init.v1SwapAccounting ?? false;
  }

  /** Each v1 mount point once (co-mounted controllers such as cpu,cpuacct share one). */
  v1Mounts(): string[] {
    return [...new Set(this.v1.values())];
  }

  describe(): string[] {
    if (this.version === 'v2' && this.v2 !== undefined) {
      return [`cgroups: v2 at ${this.v2.mount} (controllers: ${controllerList(this.v2.controllers)})`];
    }
    const head =
      this.version === 'hybrid' && this.v2 !== undefined
        ? `cgroups: v1 (hybrid: cgroup2 at ${this.v2.mount} holds ${controllerList(this.v2.controllers)})`
        : 'cgroups: v1';
    return [head, this.describeHierarchies(), `cgroups v1 swap limit: ${this.v1SwapAccounting ? 'yes' : 'no (memory.memsw.* absent)'}`];
  }

  private describeHierarchies(): string {
    const byMount = new Map<string, string[]>();
    for (const [controller, mount] of this.v1) byMount.set(mount, [...(byMount.get(mount) ?? []), controller]);
    const parents = new Set([...byMount.keys()].map((m) => path.dirname(m)));
    const names = [...byMount.values()].map((cs) => cs.join(','));
    const [parent] = parents;
    if (parents.size === 1 && parent !== undefined) return `cgroups v1 hierarchies under ${parent}: ${names.join(' ')}`;
    return `cgroups v1 hierarchies: ${[...byMount].map(([m, cs]) => `${cs.join(',')} at ${m}`).join('; ')}`;
  }
}

function controllerList(controllers: readonly string[]): string {
  return controllers.length === 0 ? 'no controllers' : controllers.join(' ');
}
