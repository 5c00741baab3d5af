import test from 'ava';
import { v1Settings } from './v1-settings.ts';

const MiB = 1024 * 1024;
const files = (writes: ReturnType<typeof v1Settings>): string[] => writes.map((w) => `${w.files[0]}=${w.value}`);

test('a memory limit raised above the current memsw raises memsw first', (t) => {
  t.deepEqual(files(v1Settings({ memory: { limit: 256 * MiB, swap: 512 * MiB } }, BigInt(64 * MiB))), [
    `memory.memsw.limit_in_bytes=${512 * MiB}`,
    `memory.limit_in_bytes=${256 * MiB}`,
  ]);
});

test('a memory limit lowered below the current memsw lowers the limit first', (t) => {
  t.deepEqual(files(v1Settings({ memory: { limit: 16 * MiB, swap: 32 * MiB } }, BigInt(512 * MiB))), [
    `memory.limit_in_bytes=${16 * MiB}`,
    `memory.memsw.limit_in_bytes=${32 * MiB}`,
  ]);
});

test('unlimited memory sets memsw unlimited first', (t) => {
  t.deepEqual(files(v1Settings({ memory: { limit: -1, swap: -1 } }, BigInt(64 * MiB))), [
    'memory.memsw.limit_in_bytes=-1',
    'memory.limit_in_bytes=-1',
  ]);
});

test('the CFS period is written before the quota, and cpuset goes to its own hierarchy', (t) => {
  const writes = v1Settings({ cpu: { shares: 256, quota: 150000, period: 100000, cpus: '1', mems: '0' } }, undefined);
  t.deepEqual(files(writes), ['cpu.shares=256', 'cpu.cfs_period_us=100000', 'cpu.cfs_quota_us=150000', 'cpuset.cpus=1', 'cpuset.mems=0']);
  t.deepEqual(writes.map((w) => w.controller), ['cpu', 'cpu', 'cpu', 'cpuset', 'cpuset']);
});

test('device rules become devices.allow and devices.deny lines in their order', (t) => {
  const writes = v1Settings({
    devices: [
      { allow: false, access: 'rwm' },
      { allow: true, type: 'c', major: 136, access: 'rwm' },
      { allow: true, type: 'b', major: 8, minor: 0, access: 'r' },
    ],
  }, undefined);
  t.deepEqual(files(writes), ['devices.deny=a *:* rwm', 'devices.allow=c 136:* rwm', 'devices.allow=b 8:0 r']);
});

test('settings that some kernels lack say what goes unenforced', (t) => {
  const writes = v1Settings({ memory: { limit: MiB, swap: 2 * MiB }, blockIO: { weight: 300 } }, undefined);
  t.truthy(writes.find((w) => w.files[0] === 'memory.memsw.limit_in_bytes')?.ifAbsent);
  t.deepEqual(writes.find((w) => w.controller === 'blkio')?.files, ['blkio.weight', 'blkio.bfq.weight']);
});
