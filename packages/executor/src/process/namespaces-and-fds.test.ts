import fs from 'node:fs';
import test from 'ava';
import { runCaptured, testBundle } from '../testing/test-container.ts';
import { startContainer } from './start-container.ts';

test('the program inherits no descriptor but its stdio: the init closed the rest on exec', async (t) => {
  const run = await runCaptured(testBundle(t, { args: ['ls', '/proc/self/fd'] }));
  t.is(run.status.code, 0, run.stderr);
  // 0-2, and the descriptor ls holds on the directory it lists.
  t.deepEqual(run.stdout.trim().split('\n').map(Number).filter((fd) => fd > 3), []);
});

test('a container joins the network namespace of another by its path', async (t) => {
  const first = await startContainer({ ...testBundle(t, { args: ['sleep', '60'] }), stdout: 'ignore' });
  t.teardown(() => first.kill('SIGKILL'));
  const netns = `/proc/${first.pid}/ns/net`;
  const run = await runCaptured(testBundle(t, { args: ['readlink', '/proc/self/ns/net'], network: { path: netns } }));
  t.is(run.status.code, 0, run.stderr);
  t.is(run.stdout.trim(), fs.readlinkSync(netns));
  t.not(run.stdout.trim(), fs.readlinkSync('/proc/self/ns/net'));
  first.kill('SIGKILL');
  t.like(await first.wait(), { code: 137 });
});

test('a detached container leads its own session and can still be waited for', async (t) => {
  const container = await startContainer({ ...testBundle(t, { args: ['sleep', '60'] }), detached: true, stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' });
  t.teardown(() => container.kill('SIGKILL'));
  // Fields after the command name: state, ppid, pgrp, session.
  const [, , pgrp, session] = fs.readFileSync(`/proc/${container.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  t.is(Number(session), container.pid);
  t.is(Number(pgrp), container.pid);
  container.kill('SIGKILL');
  t.like(await container.wait(), { code: 137 });
});

test("a container joins another's pid namespace by its path and sees that container's PID 1", async (t) => {
  const first = await startContainer({ ...testBundle(t, { args: ['sleep', '60'] }), stdout: 'ignore' });
  t.teardown(() => first.kill('SIGKILL'));
  const pidns = `/proc/${first.pid}/ns/pid`;
  const run = await runCaptured(
    testBundle(t, { args: ['sh', '-c', 'cat /proc/1/cmdline; echo; echo $$'] }, (spec) => {
      spec.linux.namespaces = spec.linux.namespaces.map((ns) => (ns.type === 'pid' ? { type: 'pid', path: pidns } : ns));
    }),
  );
  t.is(run.status.code, 0, run.stderr);
  const [cmdline, self] = run.stdout.split('\n');
  t.is(cmdline, 'sleep\x0060\x00');
  t.not(self, '1');
  first.kill('SIGKILL');
  t.like(await first.wait(), { code: 137 });
});
