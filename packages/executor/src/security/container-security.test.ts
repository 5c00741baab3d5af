import test from 'ava';
import { runCaptured, testBundle } from '../testing/test-container.ts';

/**
 * The security settings seen from inside a real container (busybox rootfs, our executor,
 * containerSpec's Docker defaults), as `docker run` users would look at them.
 */

const DOCKER_CAP_EFF = '00000000a80425fb';
const NONE = '0000000000000000';

function status(text: string): Record<string, string> {
  return Object.fromEntries(text.split('\n').map((line) => line.split(':\t').map((s) => s.trim())));
}

test("the container's root holds Docker's default capabilities, no_new_privs and a seccomp filter", async (t) => {
  const run = await runCaptured(testBundle(t, { args: ['cat', '/proc/self/status'] }));
  t.is(run.status.code, 0, run.stderr);
  const s = status(run.stdout);
  t.is(s['CapEff'], DOCKER_CAP_EFF);
  t.is(s['CapPrm'], DOCKER_CAP_EFF);
  t.is(s['CapBnd'], DOCKER_CAP_EFF);
  t.is(s['CapInh'], NONE);
  t.is(s['CapAmb'], NONE);
  t.is(s['NoNewPrivs'], '1');
  t.is(s['Seccomp'], '2');
  t.is(s['Groups'], '');
});

test('a non-root user in the container ends with CapEff 0 and its own ids and groups', async (t) => {
  const bundle = testBundle(t, { args: ['cat', '/proc/self/status'], user: { uid: 1000, gid: 1000, additionalGids: [10, 20] } });
  const run = await runCaptured(bundle);
  t.is(run.status.code, 0, run.stderr);
  const s = status(run.stdout);
  t.is(s['Uid'], '1000\t1000\t1000\t1000');
  t.is(s['Gid'], '1000\t1000\t1000\t1000');
  t.is(s['Groups'], '10 20');
  t.is(s['CapEff'], NONE);
  t.is(s['CapPrm'], NONE);
  t.is(s['CapBnd'], DOCKER_CAP_EFF);
});

test('inside the container mount, unshare and setns are refused while chroot, mknod, chown and fork work', async (t) => {
  const script = [
    'mount -t tmpfs none /tmp; echo mount=$?',
    'unshare -u true; echo unshare=$?',
    'nsenter -t 1 -u true; echo setns=$?',
    'chroot / true; echo chroot=$?',
    'mknod /tmp/null c 1 3; echo mknod=$?',
    'touch /tmp/f && chown 1234:1234 /tmp/f; echo chown=$?',
    '(true); echo fork=$?',
  ].join('\n');
  const run = await runCaptured(testBundle(t, { args: ['sh', '-c', script] }));
  t.is(run.status.code, 0, run.stderr);
  const result = Object.fromEntries(run.stdout.trim().split('\n').map((l) => l.split('=')));
  t.not(result['mount'], '0');
  t.not(result['unshare'], '0');
  t.not(result['setns'], '0');
  t.is(result['chroot'], '0', run.stderr);
  t.is(result['mknod'], '0', run.stderr);
  t.is(result['chown'], '0', run.stderr);
  t.is(result['fork'], '0');
  // busybox mount words EPERM its own way.
  t.regex(run.stderr, /mount: permission denied/);
  t.regex(run.stderr, /unshare\(.*Operation not permitted/);
  t.regex(run.stderr, /setns\(.*Operation not permitted/);
});
