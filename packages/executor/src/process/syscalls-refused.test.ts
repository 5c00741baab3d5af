import { execFileSync } from 'node:child_process';
import path from 'node:path';
import test from 'ava';
import { runCaptured, testBundle } from '../testing/test-container.ts';

const PROBE_SOURCE = new URL('../testing/syscall-probe.c', import.meta.url).pathname;

test('in a default container keyctl, add_key, unshare and mount are refused, and ptrace of its own processes is allowed as under Docker', async (t) => {
  const bundle = testBundle(t, { args: ['sh', '-c', 'sleep 30 & /probe $!; kill $!'] }, (spec) => {
    // The probe is a static binary, so it runs on busybox's rootfs as it is.
    execFileSync('gcc', ['-static', '-O2', '-o', path.join(spec.root.path, 'probe'), PROBE_SOURCE]);
  });
  const run = await runCaptured(bundle);
  t.is(run.status.code, 0, run.stderr);
  const result = Object.fromEntries(run.stdout.trim().split('\n').map((line) => line.split('=')));
  t.deepEqual(result, {
    keyctl: 'Operation not permitted',
    add_key: 'Operation not permitted',
    unshare: 'Operation not permitted',
    mount: 'Operation not permitted',
    // As under Docker on Linux >= 4.8: the profile allows ptrace, and the pid namespace leaves
    // nothing to trace but the container's own processes.
    ptrace: 'ok',
  });
});
