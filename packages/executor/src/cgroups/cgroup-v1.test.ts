import fs from 'node:fs';
import path from 'node:path';
import { FailedPreconditionError, InvalidArgumentError } from '@layerctl/sys';
import test from 'ava';
import { flatKeyed, readCgroupFile } from './cgroup-files.ts';
import { checkFreezeStopsCounter, delay, readableIn, spawnJoined, testCgroupParent, until } from './cgroup-testing.ts';
import { createCgroup, openCgroup } from './create-cgroup.ts';
import { detectCgroups } from './detect-cgroups.ts';
import type { DeviceRule } from '../spec/runtime-spec.ts';

/* These tests run against this host's real v1 hierarchies (and its hybrid cgroup2 mount). */
const host = detectCgroups();
const MiB = 1024 * 1024;

function v1File(controller: string, cgroupPath: string, file: string): string {
  const mount = host.v1.get(controller);
  if (mount === undefined) throw new FailedPreconditionError(`this host has no v1 ${controller} hierarchy`);
  return path.join(mount, cgroupPath, file);
}

function read(controller: string, cgroupPath: string, file: string): string {
  return readCgroupFile(v1File(controller, cgroupPath, file));
}

test('this host is detected as v1 with a hybrid cgroup2 mount', (t) => {
  t.is(host.version, 'hybrid');
  for (const c of ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids']) t.truthy(host.v1.get(c), c);
  t.is(host.v2?.mount, '/sys/fs/cgroup/unified');
  t.is(host.describe()[0], `cgroups: v1 (hybrid: cgroup2 at /sys/fs/cgroup/unified holds ${host.v2?.controllers.join(' ')})`);
});

test('limits are written to the files of each hierarchy, below the hierarchy root', (t) => {
  const cgroupPath = `${testCgroupParent(t, host)}/limits`;
  const cgroup = createCgroup(cgroupPath, {
    memory: { limit: 64 * MiB, swap: 96 * MiB, reservation: 32 * MiB },
    cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0', mems: '0' },
    pids: { limit: 10 },
  }, host);
  t.is(read('memory', cgroupPath, 'memory.limit_in_bytes'), String(64 * MiB));
  t.is(read('memory', cgroupPath, 'memory.memsw.limit_in_bytes'), String(96 * MiB));
  t.is(read('memory', cgroupPath, 'memory.soft_limit_in_bytes'), String(32 * MiB));
  t.is(read('cpu', cgroupPath, 'cpu.shares'), '512');
  t.is(read('cpu', cgroupPath, 'cpu.cfs_quota_us'), '50000');
  t.is(read('cpu', cgroupPath, 'cpu.cfs_period_us'), '100000');
  t.is(read('cpuset', cgroupPath, 'cpuset.cpus'), '0');
  t.is(read('cpuset', cgroupPath, 'cpuset.mems'), '0');
  t.is(read('pids', cgroupPath, 'pids.max'), '10');
  t.deepEqual(cgroup.unenforced, []);
  // The path is below the hierarchy root, not below this process's own memory cgroup.
  t.true(fs.existsSync(path.join('/sys/fs/cgroup/memory', cgroupPath)));
});

test('a lower limit, then a higher one, are both accepted whatever memsw holds', (t) => {
  const cgroupPath = `${testCgroupParent(t, host)}/update`;
  const cgroup = createCgroup(cgroupPath, { memory: { limit: 64 * MiB, swap: 64 * MiB } }, host);
  cgroup.update({ memory: { limit: 256 * MiB, swap: 512 * MiB } });
  t.is(read('memory', cgroupPath, 'memory.limit_in_bytes'), String(256 * MiB));
  t.is(read('memory', cgroupPath, 'memory.memsw.limit_in_bytes'), String(512 * MiB));
  cgroup.update({ memory: { limit: 16 * MiB, swap: 16 * MiB }, pids: { limit: -1 } });
  t.is(read('memory', cgroupPath, 'memory.limit_in_bytes'), String(16 * MiB));
  t.is(read('memory', cgroupPath, 'memory.memsw.limit_in_bytes'), String(16 * MiB));
  t.is(read('pids', cgroupPath, 'pids.max'), 'max');
});

test('a new cpuset cgroup takes its parent cpus and mems, so a task can join it', async (t) => {
  const cgroupPath = `${testCgroupParent(t, host)}/cpuset`;
  const cgroup = createCgroup(cgroupPath, {}, host);
  t.is(read('cpuset', cgroupPath, 'cpuset.cpus'), readCgroupFile('/sys/fs/cgroup/cpuset/cpuset.cpus'));
  t.is(read('cpuset', cgroupPath, 'cpuset.mems'), readCgroupFile('/sys/fs/cgroup/cpuset/cpuset.mems'));
  const proc = spawnJoined(t, cgroup, 'exit 0');
  t.true(cgroup.pids().includes(proc.child.pid ?? -1));
  proc.go();
  t.is((await proc.exited).code, 0);
});

test('a process joined through procsFiles is in the cgroup of every hierarchy and the cgroup2 mount', async (t) => {
  const cgroupPath = `${testCgroupParent(t, host)}/joined`;
  const cgroup = createCgroup(cgroupPath, {}, host);
  t.is(cgroup.procsFiles().length, host.v1Mounts().length + 1);
  const proc = spawnJoined(t, cgroup, 'sleep 30');
  const pid = proc.child.pid ?? -1;
  const lines = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
  t.is(lines.length, host.v1Mounts().length + 1);
  for (const line of lines) t.true(line.endsWith(`:/${cgroupPath}`), line);
  t.deepEqual(cgroup.pids(), [pid]);
  t.is(cgroup.stats().pidsCurrent, 1);
  t.true(cgroup.stats().memoryBytes >= 0);
  t.is(openCgroup(cgroupPath, host)?.path, cgroupPath);
  cgroup.killAll();
  t.is((await proc.exited).signal, 'SIGKILL');
  cgroup.remove();
  for (const file of cgroup.procsFiles()) t.false(fs.existsSync(path.dirname(file)), file);
  t.is(openCgroup(cgroupPath, host), undefined);
});

test('stats count the memory a process in the cgroup holds', async (t) => {
  const cgroup = createCgroup(`${testCgroupParent(t, host)}/stats`, {}, host);
  const proc = spawnJoined(t, cgroup, "x=$(head -c 30000000 /dev/zero | tr '\\0' a); echo held; sleep 30");
  let out = '';
  proc.child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  t.true(cgroup.stats().memoryBytes < 10 * MiB);
  proc.go();
  t.true(await until(() => out === 'held\n', 10_000));
  t.true(cgroup.stats().memoryBytes > 25 * MiB, `${cgroup.stats().memoryBytes} bytes`);
  t.true(cgroup.stats().cpuUsageNs > 0n);
});

test('remove refuses a cgroup that still holds a process, and names the process', (t) => {
  const cgroupPath = `${testCgroupParent(t, host)}/busy`;
  const cgroup = createCgroup(cgroupPath, {}, host);
  const proc = spawnJoined(t, cgroup, 'sleep 30');
  const err = t.throws(() => cgroup.remove(), { instanceOf: FailedPreconditionError });
  t.regex(err.message, new RegExp(`still holds processes ${proc.child.pid}`));
});

test('removeIfEmpty leaves a cgroup that holds a process whole, and removes an empty one from every hierarchy', async (t) => {
  const busyPath = `${testCgroupParent(t, host)}/busy`;
  const busy = createCgroup(busyPath, {}, host);
  const proc = spawnJoined(t, busy, 'sleep 30');
  t.false(busy.removeIfEmpty());
  t.deepEqual(busy.pids(), [proc.child.pid]);
  for (const file of busy.procsFiles()) t.true(fs.existsSync(file), file);
  const emptyPath = `${testCgroupParent(t, host)}/empty`;
  const empty = createCgroup(emptyPath, {}, host);
  t.true(empty.removeIfEmpty());
  for (const file of empty.procsFiles()) t.false(fs.existsSync(path.dirname(file)), file);
});

test('a cgroups path that climbs out with .. is refused', (t) => {
  t.throws(() => createCgroup('layerctl/../../x', {}, host), { instanceOf: InvalidArgumentError });
});

test.serial('freeze stops a counting process and thaw lets it go on', async (t) => {
  const cgroup = createCgroup(`${testCgroupParent(t, host)}/freeze`, {}, host);
  await checkFreezeStopsCounter(t, cgroup, () => {
    t.is(readCgroupFile(v1File('freezer', cgroup.path, 'freezer.state')), 'FROZEN');
  });
});

test.serial('a paused container is killed by killAll, which thaws it for the kill', async (t) => {
  const cgroup = createCgroup(`${testCgroupParent(t, host)}/paused`, {}, host);
  const proc = spawnJoined(t, cgroup, 'sleep 30 & sleep 30; wait');
  proc.go();
  await until(() => cgroup.pids().length === 3);
  cgroup.freeze();
  cgroup.killAll();
  t.is((await proc.exited).signal, 'SIGKILL');
  await until(() => cgroup.pids().length === 0);
  t.is(cgroup.state(), 'thawed');
});

test.serial('a memory hog is OOM-killed under a small limit and oomKilled() says so', async (t) => {
  const cgroup = createCgroup(`${testCgroupParent(t, host)}/oom`, { memory: { limit: 32 * MiB, swap: 32 * MiB } }, host);
  t.false(cgroup.oomKilled());
  // dash holds a command substitution's output in memory: 200 MB of it.
  const proc = spawnJoined(t, cgroup, "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived");
  proc.go();
  const exit = await proc.exited;
  t.is(exit.signal, 'SIGKILL');
  t.true(cgroup.oomKilled());
});

test.serial('a fork loop stays within the pids limit', async (t) => {
  const cgroup = createCgroup(`${testCgroupParent(t, host)}/pids`, { pids: { limit: 10 } }, host);
  const proc = spawnJoined(t, cgroup, 'for i in $(seq 1 40); do sleep 30 & done; wait');
  proc.go();
  const events = v1File('pids', cgroup.path, 'pids.events');
  t.true(await until(() => Number(flatKeyed(readCgroupFile(events)).get('max')) > 0), 'no fork was refused');
  t.true(cgroup.stats().pidsCurrent <= 10);
  t.true(Number(readCgroupFile(v1File('pids', cgroup.path, 'pids.peak'))) <= 10);
  t.true(cgroup.pids().length <= 10);
  cgroup.killAll();
  t.true(await until(() => cgroup.pids().length === 0));
});

test.serial('a CFS quota holds a busy loop near its share of one CPU', async (t) => {
  const cgroup = createCgroup(`${testCgroupParent(t, host)}/quota`, { cpu: { quota: 20000, period: 100000 } }, host);
  const proc = spawnJoined(t, cgroup, 'while :; do :; done');
  proc.go();
  await delay(300);
  const before = cgroup.stats().cpuUsageNs;
  const started = process.hrtime.bigint();
  await delay(1000);
  const used = Number(cgroup.stats().cpuUsageNs - before) / Number(process.hrtime.bigint() - started);
  // 0.2 CPU asked; the band allows the period boundaries around a 1 s window.
  t.true(used > 0.1 && used < 0.3, `used ${used.toFixed(3)} CPU`);
});

test('device rules deny what they do not allow', async (t) => {
  const cgroup = createCgroup(`${testCgroupParent(t, host)}/devices`, {
    devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }],
  }, host);
  t.is(readCgroupFile(v1File('devices', cgroup.path, 'devices.list')), 'c 1:3 rwm');
  t.deepEqual(await readableIn(t, cgroup, ['/dev/zero', '/dev/null']), { '/dev/zero': false, '/dev/null': true });
});

test('allow rules after a deny-all are listed as the only devices allowed', (t) => {
  const rules: DeviceRule[] = [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', access: 'm' }, { allow: true, type: 'b', access: 'm' }];
  for (const [major, minor] of [[1, 3], [1, 8], [1, 7], [5, 0], [1, 5], [1, 9], [5, 1], [5, 2], [10, 200]] as const) {
    rules.push({ allow: true, type: 'c', major, minor, access: 'rwm' });
  }
  rules.push({ allow: true, type: 'c', major: 136, access: 'rwm' });
  const cgroup = createCgroup(`${testCgroupParent(t, host)}/docker-devices`, { devices: rules }, host);
  const list = readCgroupFile(v1File('devices', cgroup.path, 'devices.list')).split('\n').sort();
  t.deepEqual(list, [
    'b *:* m', 'c *:* m', 'c 1:3 rwm', 'c 1:5 rwm', 'c 1:7 rwm', 'c 1:8 rwm', 'c 1:9 rwm',
    'c 10:200 rwm', 'c 136:* rwm', 'c 5:0 rwm', 'c 5:1 rwm', 'c 5:2 rwm',
  ].sort());
});

test('a block I/O weight without a weight file is listed as unenforced, not dropped silently', (t) => {
  const cgroupPath = `${testCgroupParent(t, host)}/blkio`;
  const cgroup = createCgroup(cgroupPath, { blockIO: { weight: 500 } }, host);
  const weightFile = ['blkio.weight', 'blkio.bfq.weight'].find((f) => fs.existsSync(v1File('blkio', cgroupPath, f)));
  if (weightFile === undefined) t.is(cgroup.unenforced.length, 1);
  else t.is(read('blkio', cgroupPath, weightFile), '500');
});

test('a setting the kernel refuses fails creation and leaves no directory behind', (t) => {
  const parent = testCgroupParent(t, host);
  t.throws(() => createCgroup(`${parent}/refused`, { cpu: { cpus: '4096' } }, host), { message: /cpuset\.cpus/ });
  for (const mount of host.v1Mounts()) t.false(fs.existsSync(path.join(mount, parent, 'refused')), mount);
});
