import fs from 'node:fs';
import test from 'ava';
import { InvalidArgumentError } from './errors.ts';
import { getrlimit, RLIM_INFINITY, rlimitResource } from './rlimit.ts';

function procLimit(label: string): [string, string] {
  const line = fs.readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith(label)) ?? '';
  const [soft = '', hard = ''] = line.slice(label.length).trim().split(/\s+/);
  return [soft, hard];
}

const asProc = (v: bigint) => (v === RLIM_INFINITY ? 'unlimited' : String(v));

test('getrlimit reads what /proc/self/limits shows, unlimited included', (t) => {
  const nofile = getrlimit(rlimitResource('RLIMIT_NOFILE'));
  t.deepEqual([asProc(nofile.soft), asProc(nofile.hard)], procLimit('Max open files'));
  const core = getrlimit(rlimitResource('RLIMIT_CORE'));
  t.deepEqual([asProc(core.soft), asProc(core.hard)], procLimit('Max core file size'));
});

test('an rlimit name outside the spec list is refused, naming it', (t) => {
  t.throws(() => rlimitResource('RLIMIT_FOO'), { instanceOf: InvalidArgumentError, message: /RLIMIT_FOO/ });
  t.is(rlimitResource('RLIMIT_RTTIME'), 15);
});
