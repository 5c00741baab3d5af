import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { INIT_CACHE, staticBinary } from '../init/init-binary.ts';
import { runCaptured, testBundle } from '../testing/test-container.ts';

const PROBE_SOURCE = fileURLToPath(new URL('../security/testing/security-probe.c', import.meta.url));

test('in a default container keyctl, add_key, unshare and mount are refused, and ptrace of its own processes is allowed as under Docker', async (t) => {
  const probe = staticBinary([PROBE_SOURCE], 'security-probe', INIT_CACHE);
  const bundle = testBundle(t, { args: ['sh', '-c', 'sleep 30 & /probe /tmp $!; kill $!'] }, (spec) => {
    // The probe is a static binary, so it runs on busybox's rootfs as it is.
    fs.copyFileSync(probe, path.join(spec.root.path, 'probe'));
    fs.chmodSync(path.join(spec.root.path, 'probe'), 0o755);
  });
  const run = await runCaptured(bundle);
  t.is(run.status.code, 0, run.stderr);
  const probes = Object.fromEntries(run.stdout.split('\n').filter((l) => l.startsWith('probe.')).map((l) => l.slice('probe.'.length).split('=')));
  t.like(probes, {
    keyctl: 'EPERM',
    addKey: 'EPERM',
    unshare: 'EPERM',
    mount: 'EPERM',
    // As under Docker on Linux >= 4.8: the profile allows ptrace, and the pid namespace leaves
    // nothing to trace but the container's own processes.
    ptraceAttach: 'ok',
  });
});
