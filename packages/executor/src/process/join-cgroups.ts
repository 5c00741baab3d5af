import fs from 'node:fs';
import { SysError, wrapNodeError } from '@layerctl/sys';

/**
 * Puts the container's init in its cgroups (their cgroup.procs files) from the parent, as soon as
 * the init is spawned. The first move of a process between cgroups waits for an RCU grace period
 * (5-20 ms on this host's v1 hierarchies); made by the init itself, that wait stood between its
 * last mount and the exec of the program. Here the files are opened at once and written on
 * threads of Node's pool, so what is left of the wait (primeCgroupMove started it earlier) passes
 * while the init mounts the root. The init execs only after the parent's go, which waits for
 * this, so the program still starts inside its cgroups.
 *
 * Resolves false when the init is gone already (ESRCH): it failed, and its error line says why.
 */
export async function joinCgroups(pid: number, procsFiles: readonly string[]): Promise<boolean> {
  const fds: number[] = [];
  try {
    for (const file of procsFiles) fds.push(openProcs(file));
    const outcomes = await Promise.all(fds.map((fd, i) => writePid(fd, pid, procsFiles[i] ?? '')));
    return outcomes.every((joined) => joined);
  } finally {
    for (const fd of fds) fs.closeSync(fd);
  }
}

function openProcs(file: string): number {
  try {
    return fs.openSync(file, fs.constants.O_WRONLY);
  } catch (err) {
    throw wrapNodeError(err, file);
  }
}

/** One write on the pool (no step back to this thread before it is made); false on ESRCH. */
function writePid(fd: number, pid: number, file: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    fs.write(fd, String(pid), (err) => {
      if (err === null) return resolve(true);
      const wrapped = wrapNodeError(err, file);
      if (wrapped instanceof SysError && wrapped.code === 'ESRCH') return resolve(false);
      reject(wrapped);
    });
  });
}
