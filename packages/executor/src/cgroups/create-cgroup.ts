import type { Resources } from '../spec/runtime-spec.ts';
import type { Cgroup } from './cgroup.ts';
import type { CgroupHost } from './cgroup-host.ts';
import { CgroupV1 } from './cgroup-v1.ts';
import { CgroupV2 } from './cgroup-v2.ts';
import { detectCgroups } from './detect-cgroups.ts';

/**
 * Creates the container's cgroup at `path` ('layerctl/<id>') below each hierarchy's root, with
 * `resources` applied, and does not join it: the container's init joins through procsFiles().
 * A cgroup left at that path (a crash) is reused and its settings rewritten.
 */
export function createCgroup(path: string, resources: Resources, host: CgroupHost = detectCgroups()): Cgroup {
  if (host.version === 'v2' && host.v2 !== undefined) return CgroupV2.create(path, resources, host.v2);
  return CgroupV1.create(path, resources, host);
}

/**
 * The cgroup at `path` as an object, neither made nor looked for: what its files will be called
 * (procsFiles) before createCgroup makes it.
 */
export function cgroupAt(path: string, host: CgroupHost = detectCgroups()): Cgroup {
  if (host.version === 'v2' && host.v2 !== undefined) return new CgroupV2(path, host.v2);
  return new CgroupV1(path, host);
}

/** The existing cgroup at `path` (made by another process, say), or undefined. */
export function openCgroup(path: string, host: CgroupHost = detectCgroups()): Cgroup | undefined {
  if (host.version === 'v2' && host.v2 !== undefined) return CgroupV2.open(path, host.v2);
  return CgroupV1.open(path, host);
}
