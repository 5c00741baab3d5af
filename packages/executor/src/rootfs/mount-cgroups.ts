import path from 'node:path';
import { fsTypeAt, MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY, MS_REC, MS_REMOUNT, type MountEntry, mountTable } from '@layerctl/sys';
import { type InitOp, initOp } from '../init/init-plan.ts';
import type { Mount } from '../spec/runtime-spec.ts';
import { makeDestination } from './mount-in-root.ts';
import { parseMountOptions } from './mount-options.ts';

const CGROUP_FILESYSTEMS = new Set(['cgroup', 'cgroup2']);
/** Where a pure cgroup v2 host mounts its one hierarchy; its dir is bound as the whole destination. */
const CGROUP_ROOT = '/sys/fs/cgroup';
const DIRECTORY = 1;

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
export function mountCgroupsPlan(entry: Mount, procsFiles: readonly string[]): InitOp[] {
  const readonly = (parseMountOptions(entry.options ?? [], 'tmpfs').flags & MS_RDONLY) !== 0;
  const flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  const table = mountTable();
  const hierarchies = procsFiles.map((file) => hierarchyOf(path.dirname(file), table));
  const whole = hierarchies.length === 1 && hierarchies[0]?.name === '' ? hierarchies[0] : undefined;
  const ops = makeDestination(entry.destination, true);
  if (whole !== undefined) return [...ops, ...bindReadonly(whole.dir, entry.destination, readonly)];
  ops.push(initOp('mount_in_root', 'tmpfs', entry.destination, 'tmpfs', flags, 'mode=755', DIRECTORY));
  for (const { name, dir } of hierarchies) {
    const destination = path.posix.join(entry.destination, name);
    ops.push(...makeDestination(destination, true), ...bindReadonly(dir, destination, readonly));
  }
  if (readonly) ops.push(initOp('mount_in_root', '', entry.destination, '', MS_REMOUNT | MS_RDONLY | flags, '', DIRECTORY));
  return ops;
}

function bindReadonly(source: string, destination: string, readonly: boolean): InitOp[] {
  const ops = [initOp('mount_in_root', source, destination, '', MS_BIND | MS_REC, '', DIRECTORY)];
  const remount = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  if (readonly) ops.push(initOp('mount_in_root', '', destination, '', remount, '', DIRECTORY));
  return ops;
}

/** The hierarchy `dir` lies in: the deepest cgroup mount above it, named by its last component ('' for /sys/fs/cgroup itself). */
function hierarchyOf(dir: string, table: readonly MountEntry[]): Hierarchy {
  const mountPoint = table
    .map((entry) => entry.target)
    .filter((m) => (dir === m || dir.startsWith(`${m}/`)) && CGROUP_FILESYSTEMS.has(fsTypeAt(m, table) ?? ''))
    .sort((a, b) => b.length - a.length)[0];
  if (mountPoint === undefined || mountPoint === CGROUP_ROOT) return { name: '', dir };
  return { name: path.posix.basename(mountPoint), dir };
}
