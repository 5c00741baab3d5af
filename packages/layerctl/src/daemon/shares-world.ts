import fs from 'node:fs';

/** Every namespace a command's meaning can depend on: paths, devices, processes, hostname, cgroups, ids. */
const NAMESPACES = ['mnt', 'net', 'pid', 'uts', 'ipc', 'cgroup', 'user'] as const;
/** The lines of /proc/PID/status that say what a process may do: ids, groups, capabilities, filters. */
const PRIVILEGE_FIELDS = ['Uid', 'Gid', 'Groups', 'CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb', 'NoNewPrivs', 'Seccomp'] as const;

/**
 * Whether process `pid` sees the system as this one does, with the same rights: the same
 * namespaces, root directory, ids, groups, capabilities, no_new_privs and seccomp mode. A client in
 * `unshare -m`, a chroot or a container must not have its command run in the daemon's world, where
 * `--root /mnt/x` or `-v /data:/data` would name other files; one whose capabilities were dropped
 * (`setpriv --bounding-set=-sys_admin`) must not get the daemon's.
 */
export function sharesWorld(pid: number): boolean {
  try {
    for (const namespace of NAMESPACES) {
      if (fs.readlinkSync(`/proc/${pid}/ns/${namespace}`) !== fs.readlinkSync(`/proc/self/ns/${namespace}`)) return false;
    }
    const theirs = fs.statSync(`/proc/${pid}/root/`);
    const ours = fs.statSync('/');
    return theirs.dev === ours.dev && theirs.ino === ours.ino && privileges(String(pid)) === privileges('self');
  } catch (error) {
    // Gone already, or a pid our pid namespace cannot see (SO_PEERCRED then says 0): not ours to serve.
    if (error instanceof Error && 'code' in error && (error.code === 'ENOENT' || error.code === 'ESRCH' || error.code === 'EACCES')) return false;
    throw error;
  }
}

function privileges(pid: string): string {
  const lines = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n');
  return PRIVILEGE_FIELDS.map((field) => lines.find((line) => line.startsWith(`${field}:`)) ?? `${field}: (none)`).join('\n');
}
