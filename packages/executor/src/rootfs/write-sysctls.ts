import path from 'node:path';
import { InvalidArgumentError } from '@layerctl/sys';
import { type InitOp, initOp } from '../init/init-plan.ts';

const PROC_SYS = '/proc/sys';

/**
 * The spec's sysctls (`net.ipv4.ip_unprivileged_port_start` → /proc/sys/net/ipv4/...), written by
 * the init in the container's namespaces, after pivot_root and before /proc/sys goes read-only.
 * Only namespaced ones make sense here; the kernel refuses the others (EPERM/EROFS), which fails
 * the start.
 */
export function writeSysctlsPlan(sysctls: Readonly<Record<string, string>>): InitOp[] {
  return Object.entries(sysctls).map(([key, value]) => {
    if (!/^[a-zA-Z0-9_\-]+(\.[a-zA-Z0-9_\-*]+)*$/.test(key) && !/^[a-zA-Z0-9_\-]+(\/[a-zA-Z0-9_\-.]+)*$/.test(key)) {
      throw new InvalidArgumentError(`sysctl ${JSON.stringify(key)} is not a sysctl name`);
    }
    // Dots separate levels, unless the name is already written with slashes (an interface "eth0.1").
    return initOp('write_file', path.join(PROC_SYS, key.includes('/') ? key : key.replaceAll('.', '/')), value);
  });
}
