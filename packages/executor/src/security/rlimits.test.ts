import fs from 'node:fs';
import test from 'ava';
import { InvalidArgumentError } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { DOCKER_NOFILE_LIMIT, dockerDefaultRlimits, rlimitsPlan } from './rlimits.ts';
import { runProbe } from './testing/run-probe.ts';

/** The hard open-files limit of this process as the kernel reports it, read independently of prlimit. */
function hardNofile(): number {
  const line = fs.readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files')) ?? '';
  const hard = line.split(/\s+/)[4] ?? '';
  return hard === 'unlimited' ? Number.POSITIVE_INFINITY : Number(hard);
}

test("the default NOFILE limit is Docker's 1048576, lowered to the hard limit this host allows", (t) => {
  const expected = Math.min(DOCKER_NOFILE_LIMIT, hardNofile());
  t.deepEqual(dockerDefaultRlimits(), [{ type: 'RLIMIT_NOFILE', soft: expected, hard: expected }]);
});

test('the default rlimits can be set by root on this host (a container would otherwise fail to start)', (t) => {
  const report = runProbe({
    scratch: scratchDir(t),
    process: { user: { uid: 0, gid: 0 }, args: [], env: [], cwd: '/', rlimits: dockerDefaultRlimits() },
  });
  t.is(report.error, undefined);
  const limit = Math.min(DOCKER_NOFILE_LIMIT, hardNofile());
  t.is(report.status?.['MaxOpenFiles'], `${limit} ${limit}`);
});

test('an unknown rlimit type, a negative value and soft above hard are refused before the init starts', (t) => {
  t.throws(() => rlimitsPlan([{ type: 'RLIMIT_BOGUS', soft: 1, hard: 1 }]), { instanceOf: InvalidArgumentError, message: /RLIMIT_BOGUS/ });
  t.throws(() => rlimitsPlan([{ type: 'RLIMIT_NOFILE', soft: -1, hard: 1 }]), { instanceOf: InvalidArgumentError });
  t.throws(
    () => rlimitsPlan([{ type: 'RLIMIT_CORE', soft: 0, hard: 0 }, { type: 'RLIMIT_NOFILE', soft: 10, hard: 5 }]),
    { instanceOf: InvalidArgumentError, message: /above/ },
  );
});

test('a limit beyond what JSON holds exactly is unlimited (RLIM_INFINITY)', (t) => {
  const [op] = rlimitsPlan([{ type: 'RLIMIT_CORE', soft: 2 ** 64, hard: 2 ** 64 }]);
  t.deepEqual(op?.args.slice(2), [0xffffffffffffffffn, 0xffffffffffffffffn]);
});
