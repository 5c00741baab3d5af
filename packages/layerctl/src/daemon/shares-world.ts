import fs from 'node:fs';

/** Every namespace a command's meaning can depend on: paths, devices, processes, hostname, cgroups, ids. */
const NAMESPACES = ['mnt', 'net', 'pid', 'uts', 'ipc', 'cgroup', 'user'] as const;

/**
 * Whether process `pid` sees the system as this one does: the same namespaces and the same root
 * directory. A client in `unshare -m`, a chroot or a container must not have its command run in
 * the daemon's world, where `--root /mnt/x` or `-v /data:/data` would name other files.
 */
export function sharesWorld(pid: number): boolean {
  try {
    for (const namespace of NAMESPACES) {
      if (fs.readlinkSync(`/proc/${pid}/ns/${namespace}`) !== fs.readlinkSync(`/proc/self/ns/${namespace}`)) return false;
    }
    const theirs = fs.statSync(`/proc/${pid}/root/`);
    const ours = fs.statSync('/');
    return theirs.dev === ours.dev && theirs.ino === ours.ino;
  } catch (error) {
    // Gone already, or a pid our pid namespace cannot see (SO_PEERCRED then says 0): not ours to serve.
    if (error instanceof Error && 'code' in error && (error.code === 'ENOENT' || error.code === 'ESRCH' || error.code === 'EACCES')) return false;
    throw error;
  }
}
