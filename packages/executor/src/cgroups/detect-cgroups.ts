import fs from 'node:fs';
import path from 'node:path';
import { NotSupportedError } from '@layerctl/sys';
import { readCgroupFileIfExists } from './cgroup-files.ts';
import { CgroupHost } from './cgroup-host.ts';

const MOUNTINFO = '/proc/self/mountinfo';

/** Super options of a v1 cgroup mount that are not controllers. */
const V1_NON_CONTROLLER_OPTIONS = new Set(['rw', 'ro', 'noprefix', 'clone_children', 'xattr', 'cpuset_v2_mode', 'favordynmods']);

export interface CgroupMounts {
  /** controller (or 'name=X') -> mount point, the first mount of each hierarchy. */
  v1: Map<string, string>;
  /** The first cgroup2 mount point. */
  v2: string | undefined;
}

/** Reads the cgroup mounts from /proc/self/mountinfo and probes what they hold. */
export function detectCgroups(): CgroupHost {
  const mounts = parseCgroupMounts(fs.readFileSync(MOUNTINFO, 'utf8'));
  const v2 =
    mounts.v2 === undefined
      ? undefined
      : { mount: mounts.v2, controllers: splitWords(readCgroupFileIfExists(path.join(mounts.v2, 'cgroup.controllers')) ?? '') };
  const hasV1Controllers = [...mounts.v1.keys()].some((c) => !c.startsWith('name='));
  if (!hasV1Controllers && v2 === undefined) {
    throw new NotSupportedError(`no cgroup or cgroup2 filesystem is mounted (looked in ${MOUNTINFO}); mount cgroup2 on /sys/fs/cgroup`);
  }
  const memory = mounts.v1.get('memory');
  return new CgroupHost({
    version: !hasV1Controllers ? 'v2' : v2 === undefined ? 'v1' : 'hybrid',
    v1: hasV1Controllers ? mounts.v1 : new Map(),
    ...(v2 === undefined ? {} : { v2 }),
    v1SwapAccounting: memory !== undefined && fs.existsSync(path.join(memory, 'memory.memsw.limit_in_bytes')),
  });
}

/**
 * The cgroup mounts in a mountinfo text (proc(5): "id parent dev root mountpoint options
 * [optional...] - fstype source superoptions"). The first mount of each hierarchy wins, as
 * /sys/fs/cgroup comes before any bind of it.
 */
export function parseCgroupMounts(mountinfo: string): CgroupMounts {
  const result: CgroupMounts = { v1: new Map(), v2: undefined };
  for (const line of mountinfo.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    const mountPoint = fields[4];
    const fsType = fields[dash + 1];
    const superOptions = fields[dash + 3];
    if (dash < 0 || mountPoint === undefined || superOptions === undefined) continue;
    const where = unescapeMountPoint(mountPoint);
    if (fsType === 'cgroup2') {
      result.v2 ??= where;
    } else if (fsType === 'cgroup') {
      for (const option of superOptions.split(',')) {
        if (V1_NON_CONTROLLER_OPTIONS.has(option) || option.startsWith('release_agent=')) continue;
        if (!result.v1.has(option)) result.v1.set(option, where);
      }
    }
  }
  return result;
}

/** mountinfo writes space, tab, newline and backslash in paths as \ooo octal escapes. */
function unescapeMountPoint(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

function splitWords(text: string): string[] {
  return text.split(/\s+/).filter((w) => w !== '');
}
