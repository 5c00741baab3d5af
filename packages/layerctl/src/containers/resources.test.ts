import test from 'ava';
import { parseCpus, parseCpuset, parseMemory, parseResources } from './resources.ts';

test('--memory takes Docker\'s units in binary multiples', (t) => {
  t.is(parseMemory('64m'), 64 * 1024 * 1024);
  t.is(parseMemory('1g'), 1024 ** 3);
  t.is(parseMemory('1.5G'), 1.5 * 1024 ** 3);
  t.is(parseMemory('16mb'), 16 * 1024 * 1024);
  t.is(parseMemory('10485760'), 10485760);
  t.throws(() => parseMemory('lots'), { message: /64m/ });
  t.throws(() => parseMemory('1m'), { message: /minimum/ });
});

test('--cpus is a CFS quota of a 100 ms period, no more than the host has', (t) => {
  t.deepEqual(parseCpus(1.5, 4), { cpuQuota: 150_000, cpuPeriod: 100_000 });
  t.throws(() => parseCpus(8, 2), { message: /only 2 CPUs/ });
  t.throws(() => parseCpus(0, 2));
});

test('--cpuset-cpus is a kernel CPU list; shares and the pids limit are positive', (t) => {
  t.is(parseCpuset('0-1,3'), '0-1,3');
  t.throws(() => parseCpuset('0-'), { message: /0-1/ });
  t.deepEqual(parseResources({ memory: undefined, cpus: undefined, cpuShares: 512, cpusetCpus: undefined, pidsLimit: 10 }, 2), { cpuShares: 512, pidsLimit: 10 });
  t.throws(() => parseResources({ memory: undefined, cpus: undefined, cpuShares: undefined, cpusetCpus: undefined, pidsLimit: 0 }, 2), { message: /--pids-limit/ });
});
