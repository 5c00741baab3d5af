import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, wrapNodeError } from '@layerctl/sys';

const PROC_SYS = '/proc/sys';

/**
 * Writes the spec's sysctls (`net.ipv4.ip_unprivileged_port_start` → /proc/sys/net/ipv4/...) in
 * the container's namespaces, after pivot_root and before /proc/sys goes read-only. Only
 * namespaced ones make sense here; the kernel refuses the others (EPERM/EROFS), which fails the start.
 */
export function writeSysctls(sysctls: Readonly<Record<string, string>>): void {
  for (const [key, value] of Object.entries(sysctls)) {
    if (!/^[a-zA-Z0-9_\-]+(\.[a-zA-Z0-9_\-*]+)*$/.test(key) && !/^[a-zA-Z0-9_\-]+(\/[a-zA-Z0-9_\-.]+)*$/.test(key)) {
      throw new InvalidArgumentError(`sysctl ${JSON.stringify(key)} is not a sysctl name`);
    }
    // Dots separate levels, unless the name is already written with slashes (an interface "eth0.1").
    const file = path.join(PROC_SYS, key.includes('/') ? key : key.replaceAll('.', '/'));
    try {
      fs.writeFileSync(file, value);
    } catch (error) {
      throw wrapNodeError(error, file);
    }
  }
}
