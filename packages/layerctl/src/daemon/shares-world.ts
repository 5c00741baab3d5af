import fs from 'node:fs';
import { errorCode } from '@layerctl/sys';

/** Every namespace a command's meaning can depend on: paths, devices, processes, hostname, cgroups, ids. */
const NAMESPACES = ['mnt', 'net', 'pid', 'uts', 'ipc', 'cgroup', 'user'] as const;
/** The lines of /proc/PID/status that say what a process may do: ids, groups, capabilities, filters. */
const PRIVILEGE_FIELDS = ['Uid', 'Gid', 'Groups', 'CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb', 'NoNewPrivs', 'Seccomp'] as const;

/** This worker's own world, read once: a waiting worker changes neither namespaces nor rights. */
let ownWorld: string | undefined;

/**
 * Whether process `pid` sees the system as this one does, with the same rights: the same
 * namespaces, root directory, ids, groups, capabilities, no_new_privs and seccomp mode. A client in
 * `unshare -m`, a chroot or a container must not have its command run in the daemon's world, where
 * `--root /mnt/x` or `-v /data:/data` would name other files; one whose capabilities were dropped
 * (`setpriv --bounding-set=-sys_admin`) must not get the daemon's.
 */
export function sharesWorld(pid: number): boolean {
  ownWorld ??= worldOf('self');
  try {
    return worldOf(String(pid)) === ownWorld;
  } catch (error) {
    // Gone already, or a pid our pid namespace cannot see (SO_PEERCRED then says 0): not ours to serve.
    if (['ENOENT', 'ESRCH', 'EACCES'].includes(errorCode(error) ?? '')) return false;
    throw error;
  }
}

/** Namespaces, root directory and privileges of process `pid` ('self' for this one), as one text. */
function worldOf(pid: string): string {
  const namespaces = NAMESPACES.map((namespace) => fs.readlinkSync(`/proc/${pid}/ns/${namespace}`));
  const root = fs.statSync(`/proc/${pid}/root/`);
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n');
  const privileges = PRIVILEGE_FIELDS.map((field) => status.find((line) => line.startsWith(`${field}:`)) ?? `${field}: (none)`);
  return [...namespaces, `root ${root.dev}:${root.ino}`, ...privileges].join('\n');
}
