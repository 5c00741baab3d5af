import type { DeviceRule, Mount } from './runtime-spec.ts';

/**
 * Docker's defaults for a container that is not privileged (moby's oci/defaults.go and
 * daemon/oci_linux.go), so that a bundle written here means what `docker run` means.
 */

/** The filesystems every container gets, in mount order. */
export function dockerDefaultMounts(): Mount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
  ];
}

/** Paths hidden from the container: files under /dev/null, directories under an empty read-only tmpfs. */
export const DOCKER_MASKED_PATHS: readonly string[] = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/interrupts',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

/** Paths the container may read but not write (kernel tunables under /proc). */
export const DOCKER_READONLY_PATHS: readonly string[] = [
  '/proc/bus',
  '/proc/fs',
  '/proc/irq',
  '/proc/sys',
  '/proc/sysrq-trigger',
];

/**
 * The devices cgroup rules: nothing but mknod by default, then read/write/mknod of the devices
 * every container has (null, zero, full, random, urandom, tty, console, ptmx, the pts slaves, tun).
 */
export function dockerDefaultDeviceRules(): DeviceRule[] {
  const allow = (type: 'c' | 'b', major: number | undefined, minor: number | undefined, access: string): DeviceRule => ({
    allow: true,
    type,
    ...(major === undefined ? {} : { major }),
    ...(minor === undefined ? {} : { minor }),
    access,
  });
  return [
    { allow: false, access: 'rwm' },
    allow('c', undefined, undefined, 'm'),
    allow('b', undefined, undefined, 'm'),
    allow('c', 1, 3, 'rwm'),
    allow('c', 1, 8, 'rwm'),
    allow('c', 1, 7, 'rwm'),
    allow('c', 5, 0, 'rwm'),
    allow('c', 1, 5, 'rwm'),
    allow('c', 1, 9, 'rwm'),
    allow('c', 136, undefined, 'rwm'),
    allow('c', 5, 1, 'rwm'),
    allow('c', 5, 2, 'rwm'),
    allow('c', 10, 200, 'rwm'),
  ];
}
