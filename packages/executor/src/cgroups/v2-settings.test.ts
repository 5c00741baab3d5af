import { InvalidArgumentError } from '@layerctl/sys';
import test from 'ava';
import { swapOnly } from './memory-swap.ts';
import { cpuMax, cpuWeightFromShares, ioWeightFromBlkio, v2Settings } from './v2-settings.ts';

const MiB = 1024 * 1024;

test('cpu shares map onto cpu.weight as runc and crun map them', (t) => {
  t.is(cpuWeightFromShares(2), 1);
  t.is(cpuWeightFromShares(512), 20);
  t.is(cpuWeightFromShares(1024), 39);
  t.is(cpuWeightFromShares(262144), 10000);
  t.is(cpuWeightFromShares(1_000_000), 10000);
});

test('a blkio weight maps onto io.weight over 1..10000', (t) => {
  t.is(ioWeightFromBlkio(10), 1);
  t.is(ioWeightFromBlkio(500), 4950);
  t.is(ioWeightFromBlkio(1000), 10000);
});

test('cpu.max is "quota period", max for no quota, the quota alone without a period', (t) => {
  t.is(cpuMax(50000, 100000), '50000 100000');
  t.is(cpuMax(-1, 100000), 'max 100000');
  t.is(cpuMax(undefined, 250000), 'max 250000');
  t.is(cpuMax(150000, undefined), '150000');
  t.is(cpuMax(undefined, undefined), undefined);
  t.is(cpuMax(0, 0), undefined);
});

test("the spec's memory+swap becomes swap alone for memory.swap.max", (t) => {
  t.is(swapOnly(64 * MiB, 96 * MiB), 32 * MiB);
  t.is(swapOnly(64 * MiB, 64 * MiB), 0);
  t.is(swapOnly(64 * MiB, -1), -1);
  t.is(swapOnly(-1, undefined), -1);
  t.is(swapOnly(64 * MiB, undefined), undefined);
  t.throws(() => swapOnly(undefined, 64 * MiB), { instanceOf: InvalidArgumentError, message: /needs a memory limit/ });
  t.throws(() => swapOnly(64 * MiB, 32 * MiB), { instanceOf: InvalidArgumentError, message: /below the memory limit/ });
});

test('memory+swap equal to the limit forbids swap: memory.swap.max 0', (t) => {
  const settings = v2Settings({ memory: { limit: 16 * MiB, swap: 16 * MiB } });
  t.deepEqual(settings.writes, [
    { file: 'memory.max', value: String(16 * MiB) },
    { file: 'memory.swap.max', value: '0', ifAbsent: 'the swap limit is not enforced: memory.swap.max is absent (kernel swap accounting is off)' },
  ]);
  t.deepEqual(settings.controllers, ['memory']);
});

test('a pids limit of 0 or -1 is unlimited', (t) => {
  t.deepEqual(v2Settings({ pids: { limit: 0 } }).writes, [{ file: 'pids.max', value: 'max' }]);
  t.deepEqual(v2Settings({ pids: { limit: -1 } }).writes, [{ file: 'pids.max', value: 'max' }]);
});

test('unified entries are written last as they are, and enable their controller', (t) => {
  const settings = v2Settings({ pids: { limit: 5 }, unified: { 'memory.high': '1000000', 'cgroup.max.depth': '3' } });
  t.deepEqual(settings.writes, [
    { file: 'pids.max', value: '5' },
    { file: 'memory.high', value: '1000000' },
    { file: 'cgroup.max.depth', value: '3' },
  ]);
  t.deepEqual(settings.controllers, ['pids', 'memory']);
});

test('a unified key that is a path is refused', (t) => {
  t.throws(() => v2Settings({ unified: { '../../memory.max': '1' } }), { instanceOf: InvalidArgumentError });
  t.throws(() => v2Settings({ unified: { 'a/memory.max': '1' } }), { instanceOf: InvalidArgumentError });
});

test('disableOOMKiller is listed as unenforced on v2', (t) => {
  t.is(v2Settings({ memory: { disableOOMKiller: true } }).unenforced.length, 1);
});

test('a blkio weight goes to io.bfq.weight as it is, or converted to io.weight', (t) => {
  const [write] = v2Settings({ blockIO: { weight: 500 } }).writes;
  t.like(write, { file: 'io.bfq.weight', value: '500', fallback: { file: 'io.weight', value: 'default 4950' } });
});
