import fs from 'node:fs';
import path from 'node:path';
import { FailedPreconditionError, NotSupportedError } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import test from 'ava';
import { readCgroupFile } from './cgroup-files.ts';
import { CgroupHost } from './cgroup-host.ts';
import { checkFreezeStopsCounter, readableIn, spawnJoined, testCgroupParent, until } from './cgroup-testing.ts';
import { createCgroup, openCgroup } from './create-cgroup.ts';
import { detectCgroups } from './detect-cgroups.ts';
import type { DeviceRule } from '../spec/runtime-spec.ts';

/*
 * Part one runs against this host's real cgroup2 mount (/sys/fs/cgroup/unified, which holds
 * only hugetlb): membership, freezing, cgroup.kill and removal are core cgroup2 and work there.
 * Part two covers the controllers this host cannot give v2 (memory, cpu, cpuset, pids, io)
 * over a directory tree laid out in the kernel's file formats.
 */
const detected = detectCgroups().v2;
if (detected === undefined) throw new FailedPreconditionError('this host has no cgroup2 mount to test against');
const unified = new CgroupHost({ version: 'v2', v1: new Map(), v2: detected });
const MiB = 1024 * 1024;

test('a process joined through the one procsFile is in the v2 cgroup, and remove leaves nothing', async (t) => {
  const cgroupPath = `${testCgroupParent(t, unified)}/joined`;
  const cgroup = createCgroup(cgroupPath, {}, unified);
  t.is(cgroup.version, 'v2');
  t.deepEqual(cgroup.procsFiles(), [path.join(detected.mount, cgroupPath, 'cgroup.procs')]);
  const proc = spawnJoined(t, cgroup, 'sleep 30');
  const pid = proc.child.pid ?? -1;
  t.true(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(`0::/${cgroupPath}\n`));
  t.deepEqual(cgroup.pids(), [pid]);
  t.is(cgroup.stats().pidsCurrent, 1);
  cgroup.killAll();
  t.is((await proc.exited).signal, 'SIGKILL');
  cgroup.remove();
  t.false(fs.existsSync(path.join(detected.mount, cgroupPath)));
  t.is(openCgroup(cgroupPath, unified), undefined);
});

test('cgroup.freeze stops a counting process until thawed', async (t) => {
  const cgroup = createCgroup(`${testCgroupParent(t, unified)}/freeze`, {}, unified);
  await checkFreezeStopsCounter(t, cgroup, () => {
    t.regex(readCgroupFile(path.join(detected.mount, cgroup.path, 'cgroup.events')), /^frozen 1$/m);
  });
});

test('killAll with SIGKILL empties the cgroup through cgroup.kill, children included', async (t) => {
  const cgroup = createCgroup(`${testCgroupParent(t, unified)}/kill`, {}, unified);
  const proc = spawnJoined(t, cgroup, 'sleep 30 & sleep 30 & wait');
  proc.go();
  t.true(await until(() => cgroup.pids().length === 3));
  cgroup.killAll();
  t.is((await proc.exited).signal, 'SIGKILL');
  t.true(await until(() => cgroup.pids().length === 0));
});

test('cgroup.kill reaches the processes of a frozen cgroup', async (t) => {
  const cgroup = createCgroup(`${testCgroupParent(t, unified)}/paused`, {}, unified);
  const proc = spawnJoined(t, cgroup, 'sleep 30 & sleep 30; wait');
  proc.go();
  t.true(await until(() => cgroup.pids().length === 3));
  cgroup.freeze();
  cgroup.killAll();
  t.is((await proc.exited).signal, 'SIGKILL');
  t.true(await until(() => cgroup.pids().length === 0));
  cgroup.remove();
  t.is(openCgroup(cgroup.path, unified), undefined);
});

test('killAll with another signal reaches every process and leaves the cgroup thawed', async (t) => {
  const cgroup = createCgroup(`${testCgroupParent(t, unified)}/term`, {}, unified);
  const proc = spawnJoined(t, cgroup, 'sleep 30 & exec sleep 31');
  proc.go();
  t.true(await until(() => cgroup.pids().length === 2));
  cgroup.killAll('SIGTERM');
  t.is((await proc.exited).signal, 'SIGTERM');
  t.true(await until(() => cgroup.pids().length === 0));
  t.is(cgroup.state(), 'thawed');
});

test('cpu.stat accounts a busy process without the cpu controller', async (t) => {
  const cgroup = createCgroup(`${testCgroupParent(t, unified)}/usage`, {}, unified);
  const proc = spawnJoined(t, cgroup, 'while :; do :; done');
  t.true(cgroup.stats().cpuUsageNs < 50_000_000n);
  proc.go();
  t.true(await until(() => cgroup.stats().cpuUsageNs > 100_000_000n));
});

test('a controller the mount does not offer fails creation, naming it, before any directory is made', (t) => {
  const parent = testCgroupParent(t, unified);
  const err = t.throws(() => createCgroup(`${parent}/limited`, { memory: { limit: 64 * MiB } }, unified), { instanceOf: NotSupportedError });
  t.regex(err.message, /controller memory is not available/);
  t.false(fs.existsSync(path.join(detected.mount, parent)));
});

test('device rules become an eBPF program that denies what they do not allow, and update replaces it', async (t) => {
  const cgroup = createCgroup(`${testCgroupParent(t, unified)}/devices`, {
    devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }],
  }, unified);
  t.deepEqual(cgroup.unenforced, []);
  t.deepEqual(await readableIn(t, cgroup, ['/dev/zero', '/dev/null']), { '/dev/zero': false, '/dev/null': true });
  cgroup.update({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, access: 'r' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }] });
  t.deepEqual(await readableIn(t, cgroup, ['/dev/zero', '/dev/null']), { '/dev/zero': true, '/dev/null': true });
});

test("with Docker's rules a device node may be made but not opened unless listed", async (t) => {
  const scratch = scratchDir(t);
  const cgroup = createCgroup(`${testCgroupParent(t, unified)}/docker-devices`, { devices: dockerLikeRules() }, unified);
  const proc = spawnJoined(t, cgroup, `mknod ${scratch}/kmsg c 1 11 && mknod ${scratch}/loop b 7 0 && mknod ${scratch}/zero c 1 5`);
  proc.go();
  t.is((await proc.exited).code, 0, 'mknod is allowed for every device');
  t.deepEqual(await readableIn(t, cgroup, [`${scratch}/kmsg`, `${scratch}/loop`, `${scratch}/zero`, '/dev/urandom']), {
    [`${scratch}/kmsg`]: false,
    [`${scratch}/loop`]: false,
    [`${scratch}/zero`]: true,
    '/dev/urandom': true,
  });
});

/** Docker's list in its shape: deny all, mknod of anything, then the usual devices. */
function dockerLikeRules(): DeviceRule[] {
  const rules: DeviceRule[] = [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', access: 'm' }, { allow: true, type: 'b', access: 'm' }];
  for (const [major, minor] of [[1, 3], [1, 5], [1, 7], [1, 8], [1, 9], [5, 0], [5, 2]] as const) {
    rules.push({ allow: true, type: 'c', major, minor, access: 'rwm' });
  }
  return rules;
}

/** A cgroup2 tree as the kernel shows it, with `levels` below the root; each file holds `files[name]`. */
function fakeCgroup2(t: Parameters<typeof scratchDir>[0], levels: string[], rootControllers: string, files: Record<string, string>): CgroupHost {
  const mount = path.join(scratchDir(t), 'cgroup2');
  const controllers = `${rootControllers}\n`;
  let dir = mount;
  fs.mkdirSync(dir);
  for (const level of ['', ...levels]) {
    dir = path.join(dir, level);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'cgroup.controllers'), controllers);
    fs.writeFileSync(path.join(dir, 'cgroup.subtree_control'), '');
    fs.writeFileSync(path.join(dir, 'cgroup.procs'), '');
  }
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return new CgroupHost({ version: 'v2', v1: new Map(), v2: { mount, controllers: rootControllers.split(' ') } });
}

const LEAF_FILES = {
  'memory.max': '', 'memory.swap.max': '', 'memory.low': '', 'cpu.weight': '', 'cpu.max': '', 'cpuset.cpus': '',
  'cpuset.mems': '', 'pids.max': '', 'io.weight': '',
  'memory.current': '123456\n',
  'pids.current': '4\n',
  'cpu.stat': 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n',
  'memory.events': 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n',
  'cgroup.events': 'populated 1\nfrozen 0\n',
};

test('v2 files get the converted values, and every ancestor enables the controllers', (t) => {
  const host = fakeCgroup2(t, ['layerctl', 'c1'], 'cpuset cpu io memory hugetlb pids rdma misc', LEAF_FILES);
  const cgroup = createCgroup('layerctl/c1', {
    memory: { limit: 64 * MiB, swap: 96 * MiB, reservation: 16 * MiB },
    cpu: { shares: 1024, quota: 50000, period: 100000, cpus: '0-1', mems: '0' },
    pids: { limit: 10 },
    blockIO: { weight: 500 },
  }, host);
  const mount = host.v2?.mount ?? '';
  const leaf = (file: string): string => fs.readFileSync(path.join(mount, 'layerctl/c1', file), 'utf8');
  t.is(leaf('memory.max'), String(64 * MiB));
  t.is(leaf('memory.swap.max'), String(32 * MiB));
  t.is(leaf('memory.low'), String(16 * MiB));
  t.is(leaf('cpu.weight'), '39');
  t.is(leaf('cpu.max'), '50000 100000');
  t.is(leaf('cpuset.cpus'), '0-1');
  t.is(leaf('cpuset.mems'), '0');
  t.is(leaf('pids.max'), '10');
  t.is(leaf('io.weight'), 'default 4950', 'without BFQ the weight is converted for io.weight');
  const enable = '+memory +cpu +cpuset +pids +io';
  t.is(fs.readFileSync(path.join(mount, 'cgroup.subtree_control'), 'utf8'), enable);
  t.is(fs.readFileSync(path.join(mount, 'layerctl/cgroup.subtree_control'), 'utf8'), enable);
  // The container's own cgroup holds processes, so it enables nothing for children.
  t.is(leaf('cgroup.subtree_control'), '');
  t.deepEqual(cgroup.stats(), { memoryBytes: 123456, cpuUsageNs: 1_500_000n, pidsCurrent: 4 });
  t.true(cgroup.oomKilled());
  t.is(cgroup.state(), 'thawed');
});

test('a swap limit on a kernel without swap accounting is listed as unenforced', (t) => {
  const { 'memory.swap.max': _absent, ...files } = LEAF_FILES;
  const host = fakeCgroup2(t, ['layerctl', 'c5'], 'memory', files);
  const cgroup = createCgroup('layerctl/c5', { memory: { limit: 64 * MiB, swap: 128 * MiB } }, host);
  t.is(fs.readFileSync(path.join(host.v2?.mount ?? '', 'layerctl/c5/memory.max'), 'utf8'), String(64 * MiB));
  t.deepEqual(cgroup.unenforced, ['the swap limit is not enforced: memory.swap.max is absent (kernel swap accounting is off)']);
});

test('controllers an ancestor enables already are not written again', (t) => {
  const host = fakeCgroup2(t, ['layerctl', 'c2'], 'cpu memory pids', LEAF_FILES);
  const mount = host.v2?.mount ?? '';
  fs.writeFileSync(path.join(mount, 'cgroup.subtree_control'), 'cpu memory pids\n');
  createCgroup('layerctl/c2', { memory: { limit: -1 }, pids: { limit: -1 } }, host);
  t.is(fs.readFileSync(path.join(mount, 'cgroup.subtree_control'), 'utf8'), 'cpu memory pids\n');
  t.is(fs.readFileSync(path.join(mount, 'layerctl/cgroup.subtree_control'), 'utf8'), '+memory +pids');
  t.is(fs.readFileSync(path.join(mount, 'layerctl/c2/memory.max'), 'utf8'), 'max');
  t.is(fs.readFileSync(path.join(mount, 'layerctl/c2/memory.swap.max'), 'utf8'), 'max');
  t.is(fs.readFileSync(path.join(mount, 'layerctl/c2/pids.max'), 'utf8'), 'max');
});

test('a controller an intermediate level does not pass down is named in the error, and the new cgroup is removed', (t) => {
  const host = fakeCgroup2(t, ['layerctl'], 'cpu io memory pids', {});
  const mount = host.v2?.mount ?? '';
  fs.writeFileSync(path.join(mount, 'layerctl/cgroup.controllers'), 'cpu memory pids\n');
  const err = t.throws(() => createCgroup('layerctl/c3', { blockIO: { weight: 100 } }, host), { instanceOf: NotSupportedError });
  t.is(err.message.split(' (')[0], `cgroup v2 controller io is not available in ${mount}/layerctl`);
  t.false(fs.existsSync(path.join(mount, 'layerctl/c3')));
  t.true(fs.existsSync(path.join(mount, 'layerctl')));
});

