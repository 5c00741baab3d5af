import fs from 'node:fs';
import path from 'node:path';
import { setTimeout } from 'node:timers/promises';
import test from 'ava';
import { testBundle } from '../testing/test-container.ts';
import { runContainer } from './run-container.ts';
import { startContainer } from './start-container.ts';

test('a container exits with its program status', async (t) => {
  const { bundle, id } = testBundle(t, { args: ['sh', '-c', 'exit 3'] });
  t.like(await runContainer({ id, bundle }), { code: 3, oomKilled: false });
});

test('the program is PID 1 and sees only its own processes in /proc', async (t) => {
  const { bundle, id } = testBundle(t, { args: ['sh', '-c', 'echo $$; ls /proc | grep "^[0-9]"'] });
  const container = await startContainer({ id, bundle, stdout: 'pipe' });
  let out = '';
  container.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  // wait() answers at the exit; the last of the output may still be on its way through the pipe.
  const ended = container.stdout === undefined ? Promise.resolve() : new Promise((resolve) => container.stdout?.once('end', resolve));
  t.like(await container.wait(), { code: 0 });
  await ended;
  const [self, ...pids] = out.trim().split('\n').map(Number);
  t.is(self, 1);
  // PID 1 (sh), and ls and grep of the pipeline: nothing of the host's hundreds of processes.
  t.true(pids.includes(1));
  t.true(pids.length <= 3, `pids seen: ${pids.join(' ')}`);
});

// Serial: a signal to this worker reaches every runContainer in it, and the listener count is shared.
test.serial('SIGHUP to layerctl while runContainer waits goes to the container', async (t) => {
  const { bundle, id, dir } = testBundle(t, { args: ['sh', '-c', 'trap "exit 7" HUP; echo ready > /tmp/ready; while :; do sleep 0.05; done'] });
  const ready = path.join(dir, 'rootfs', 'tmp', 'ready');
  const status = runContainer({ id, bundle });
  // Once the program is trapping and runContainer has its handler in place, hang up on ourselves.
  while (!fs.existsSync(ready) || process.listenerCount('SIGHUP') === 0) await setTimeout(20);
  process.kill(process.pid, 'SIGHUP');
  t.like(await status, { code: 7 });
  t.is(process.listenerCount('SIGHUP'), 0);
});

test('an aborted run kills the container; onStart hands over the running container first', async (t) => {
  const { bundle, id } = testBundle(t, { args: ['sleep', '60'] });
  const controller = new AbortController();
  let pid = 0;
  const status = runContainer({ id, bundle, signal: controller.signal, onStart: (container) => (pid = container.pid) });
  while (pid === 0) await setTimeout(20);
  // The host pid of the container's PID 1: 1 in its own namespace.
  t.regex(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), new RegExp(`^NSpid:\\s+${pid}\\s+1$`, 'm'));
  controller.abort();
  t.like(await status, { code: 137, signal: 'SIGKILL' });
});

test('the program runs inside its cgroup from its first instruction, and the cgroup is removed after', async (t) => {
  // cgroup namespace: the container's own cgroup is its root, "/"; the host sees where that is.
  const { bundle, id } = testBundle(t, { args: ['sh', '-c', 'read x; cat /proc/self/cgroup'], resources: { pids: { limit: 50 } } });
  const container = await startContainer({ id, bundle, stdin: 'pipe', stdout: 'pipe' });
  // The program waits on stdin, so the host looks at a live process.
  const hostView = fs.readFileSync(`/proc/${container.pid}/cgroup`, 'utf8');
  container.stdin?.end('\n');
  let out = '';
  for await (const chunk of container.stdout ?? []) out += String(chunk);
  t.like(await container.wait(), { code: 0 });
  t.regex(hostView, new RegExp(`:pids:/layerctl-test-${id}$`, 'm'));
  t.regex(out, /:pids:\/$/m);
  t.false(fs.existsSync(`/sys/fs/cgroup/pids/layerctl-test-${id}`));
});

test('what a quick program prints is all there even when its reader comes after it exited', async (t) => {
  const { bundle, id } = testBundle(t, { args: ['sh', '-c', 'echo out; echo err >&2'] });
  const container = await startContainer({ id, bundle, stdout: 'pipe', stderr: 'pipe' });
  t.like(await container.wait(), { code: 0 });
  // Node drains a child's unread pipes once it has exited; the container's output must survive that.
  await setTimeout(50);
  const read = async (stream: NodeJS.ReadableStream | undefined): Promise<string> => {
    let text = '';
    for await (const chunk of stream ?? []) text += String(chunk);
    return text;
  };
  t.is(await read(container.stdout), 'out\n');
  t.is(await read(container.stderr), 'err\n');
});
