import test from 'ava';
import { CgroupHost } from './cgroup-host.ts';
import { parseCgroupMounts } from './detect-cgroups.ts';

const HYBRID = `
24 31 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd,release_agent=/x
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
90 24 0:32 / /mnt/again\\040memory rw,relatime - cgroup cgroup rw,memory
`;

const PURE_V2 = `
30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;

test('co-mounted controllers share one mount and named hierarchies keep their name', (t) => {
  const mounts = parseCgroupMounts(HYBRID);
  t.deepEqual([...mounts.v1], [
    ['cpu', '/sys/fs/cgroup/cpu,cpuacct'],
    ['cpuacct', '/sys/fs/cgroup/cpu,cpuacct'],
    ['memory', '/sys/fs/cgroup/memory'],
    ['name=systemd', '/sys/fs/cgroup/systemd'],
  ]);
  t.is(mounts.v2, '/sys/fs/cgroup/unified');
});

test('a pure v2 host has one cgroup2 mount and no v1 hierarchy', (t) => {
  const mounts = parseCgroupMounts(PURE_V2);
  t.is(mounts.v1.size, 0);
  t.is(mounts.v2, '/sys/fs/cgroup');
});

test('an escaped mount point is unescaped', (t) => {
  const mounts = parseCgroupMounts('90 24 0:32 / /mnt/cg\\040v2 rw - cgroup2 cgroup2 rw\n');
  t.is(mounts.v2, '/mnt/cg v2');
});

test('describe names the version, where each hierarchy is, and what the cgroup2 mount holds', (t) => {
  const v2 = new CgroupHost({ version: 'v2', v1: new Map(), v2: { mount: '/sys/fs/cgroup', controllers: ['cpu', 'memory', 'pids'] } });
  t.deepEqual(v2.describe(), ['cgroups: v2 at /sys/fs/cgroup (controllers: cpu memory pids)']);
  const hybrid = new CgroupHost({
    version: 'hybrid',
    v1: parseCgroupMounts(HYBRID).v1,
    v2: { mount: '/sys/fs/cgroup/unified', controllers: [] },
  });
  t.deepEqual(hybrid.describe(), [
    'cgroups: v1 (hybrid: cgroup2 at /sys/fs/cgroup/unified holds no controllers)',
    'cgroups v1 hierarchies under /sys/fs/cgroup: cpu,cpuacct memory name=systemd',
    'cgroups v1 swap limit: no (memory.memsw.* absent)',
  ]);
});
