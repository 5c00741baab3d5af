import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { testBundle } from '../testing/test-container.ts';
import { ContainerStartError } from './container-start-error.ts';
import { runContainer } from './run-container.ts';
import { startContainer } from './start-container.ts';

test('exit status 0 and 3 are propagated', async (t) => {
  t.like(await runContainer({ ...testBundle(t, { args: ['true'] }), stdout: 'ignore' }), { code: 0, oomKilled: false });
  t.like(await runContainer({ ...testBundle(t, { args: ['sh', '-c', 'exit 3'] }) }), { code: 3 });
});

test('a program not on PATH fails the start with 127, naming it', async (t) => {
  const bundle = testBundle(t, { args: ['no-such-program'] });
  const error = await t.throwsAsync(runContainer(bundle), { instanceOf: ContainerStartError });
  t.is(error?.exitCode, 127);
  t.is(error?.message, 'exec no-such-program: executable file not found in $PATH');
  // The start failed whole: the init has exited and its cgroup is gone.
  t.false(fs.existsSync(`/sys/fs/cgroup/pids/layerctl-test-${bundle.id}`));
});

test('a missing absolute path is 127 too', async (t) => {
  const error = await t.throwsAsync(runContainer(testBundle(t, { args: ['/bin/nothing'] })), { instanceOf: ContainerStartError });
  t.is(error?.exitCode, 127);
});

test('a file that is not executable fails with 126', async (t) => {
  const bundle = testBundle(t, { args: ['/etc/passwd'] });
  const error = await t.throwsAsync(runContainer(bundle), { instanceOf: ContainerStartError });
  t.is(error?.exitCode, 126);
  t.regex(error?.message ?? '', /permission denied/);
});

test('death by a signal is 128+n, and the init (PID 1) is gone afterwards', async (t) => {
  const bundle = testBundle(t, { args: ['sleep', '60'] });
  const container = await startContainer(bundle);
  container.kill('SIGKILL');
  t.deepEqual(await container.wait(), { code: 137, signal: 'SIGKILL', oomKilled: false });
  t.throws(() => process.kill(container.pid, 0), { code: 'ESRCH' });
});

test('a PID 1 that traps SIGTERM gets it from kill', async (t) => {
  const bundle = testBundle(t, { args: ['sh', '-c', 'trap "exit 42" TERM; while :; do sleep 0.05; done'] });
  const container = await startContainer(bundle);
  // The trap is set once sh runs its script; until then SIGTERM to a PID 1 without a handler is dropped.
  const status = container.wait();
  const timer = setInterval(() => container.kill('SIGTERM'), 100);
  t.teardown(() => clearInterval(timer));
  t.like(await status, { code: 42 });
});

test('the init failing before exec (a bind source missing) is 125 and leaves nothing behind', async (t) => {
  const bundle = testBundle(t, { args: ['true'], mounts: [{ destination: '/data', type: 'bind', source: '/dev/shm/layerctl-no-such-dir', options: ['rbind'] }] });
  const error = await t.throwsAsync(runContainer(bundle), { instanceOf: ContainerStartError });
  t.is(error?.exitCode, 125);
  t.regex(error?.message ?? '', /layerctl-no-such-dir/);
  t.false(fs.existsSync(path.join(bundle.rootfs, 'data')));
});

test('a step of the init that fails is 125, its message naming the step, its input and the errno', async (t) => {
  const bundle = testBundle(t, { args: ['true'], mounts: [{ destination: '/data', type: 'layerctlnosuchfs', source: 'none' }] });
  const error = await t.throwsAsync(runContainer(bundle), { instanceOf: ContainerStartError });
  t.is(error?.exitCode, 125);
  t.is(error?.message, 'mount none on /data: ENODEV (No such device)');
});

test('a spec asking for a user namespace is refused with 125, naming why', async (t) => {
  const bundle = testBundle(t, { args: ['true'] }, (spec) => {
    spec.linux.namespaces.push({ type: 'user' });
  });
  const error = await t.throwsAsync(runContainer(bundle), { instanceOf: ContainerStartError });
  t.is(error?.exitCode, 125);
  t.regex(error?.message ?? '', /user namespaces are not supported/);
});
