import test from 'ava';
import { runCaptured, testBundle } from '../testing/test-container.ts';

const MIB = 1024 * 1024;

test("--memory 16m runs a small program: the init's own Node memory is not charged to the container", async (t) => {
  const bundle = testBundle(t, { args: ['sh', '-c', 'echo small; cat /proc/self/status | grep -c VmRSS'], resources: { memory: { limit: 16 * MIB, swap: 16 * MIB } } });
  const run = await runCaptured(bundle);
  t.deepEqual(run.status, { code: 0, oomKilled: false }, run.stderr);
  t.is(run.stdout, 'small\n1\n');
});

test('a memory hog under its limit is OOM-killed and the status says so', async (t) => {
  // sh holds 64 MiB of a's in a variable: four times the limit, with no swap to go to.
  const bundle = testBundle(t, { args: ['sh', '-c', 'x=$(head -c 67108864 /dev/zero | tr "\\0" a); echo survived'], resources: { memory: { limit: 16 * MIB, swap: 16 * MIB } } });
  const run = await runCaptured(bundle);
  t.true(run.status.oomKilled, JSON.stringify(run.status));
  t.false(run.stdout.includes('survived'));
});
