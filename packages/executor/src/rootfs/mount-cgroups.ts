import path from 'node:path';
import { fsTypeAt, MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY, MS_REC, MS_REMOUNT, mkdirInRoot, mount, mountPoints } from '@layerctl/sys';
import type { Mount } from '../spec/runtime-spec.ts';
import { makeDestination, withDestination } from './mount-in-root.ts';
import { parseMountOptions } from './mount-options.ts';

const CGROUP_FILESYSTEMS = new Set(['cgroup', 'cgroup2']);
/** Where a pure cgroup v2 host mounts its one hierarchy; its dir is bound as the whole destination. */
const CGROUP_ROOT = '/sys/fs/cgroup';

/** One hierarchy the container belongs to: its name under /sys/fs/cgroup and the container's dir in it. */
interface Hierarchy {
  name: string;
  dir: string;
}

/**
 * The spec's `cgroup` mount (Docker's /sys/fs/cgroup, read-only) as runc makes it without a
 * cgroup namespace of the mount's own: a tmpfs holding, for each hierarchy the container joins,
 * its own cgroup directory bound under the hierarchy's name (memory, pids, unified...), so the
 * container sees its limits and nothing of its siblings. On a pure v2 host the container's one
 * directory is bound as the whole of it. `procsFiles` are the cgroup.procs the init joins.
 */
export function mountCgroups(rootFd: number, entry: Mount, procsFiles: readonly string[]): void {
  const readonly = (parseMountOptions(entry.options ?? [], 'tmpfs').flags & MS_RDONLY) !== 0;
  const flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  const hierarchies = procsFiles.map((file) => hierarchyOf(path.dirname(file)));
  const whole = hierarchies.length === 1 && hierarchies[0]?.name === '' ? hierarchies[0] : undefined;
  makeDestination(rootFd, entry.destination, true);
  if (whole !== undefined) {
    bindReadonly(rootFd, whole.dir, entry.destination, readonly);
    return;
  }
  withDestination(rootFd, entry.destination, true, (target) => mount('tmpfs', target, 'tmpfs', flags, 'mode=755'));
  for (const { name, dir } of hierarchies) {
    const destination = path.posix.join(entry.destination, name);
    mkdirInRoot(rootFd, destination);
    bindReadonly(rootFd, dir, destination, readonly);
  }
  if (readonly) withDestination(rootFd, entry.destination, true, (target) => mount('', target, null, MS_REMOUNT | MS_RDONLY | flags));
}

function bindReadonly(rootFd: number, source: string, destination: string, readonly: boolean): void {
  withDestination(rootFd, destination, true, (target) => mount(source, target, null, MS_BIND | MS_REC));
  if (readonly) withDestination(rootFd, destination, true, (target) => mount('', target, null, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC));
}

/** The hierarchy `dir` lies in: the deepest cgroup mount above it, named by its last component ('' for /sys/fs/cgroup itself). */
function hierarchyOf(dir: string): Hierarchy {
  const mountPoint = mountPoints()
    .filter((m) => (dir === m || dir.startsWith(`${m}/`)) && CGROUP_FILESYSTEMS.has(fsTypeAt(m) ?? ''))
    .sort((a, b) => b.length - a.length)[0];
  if (mountPoint === undefined || mountPoint === CGROUP_ROOT) return { name: '', dir };
  return { name: path.posix.basename(mountPoint), dir };
}
