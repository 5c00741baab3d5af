import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { busyboxTarForFile } from './busybox-tar.ts';
import { containersScratch, eventually, processesUsing } from './containers-scratch.ts';
import { parseJson, records } from './json-output.ts';
import { mountsUnder, must } from './snapshot-scratch.ts';

const busyboxTar = busyboxTarForFile(test);

/** A container that prints a rising counter, one line every 50 ms. */
const COUNTER = ['busybox', 'sh', '-c', 'i=0; while true; do echo $i; i=$((i+1)); usleep 50000; done'];

type Scratch = Awaited<ReturnType<typeof containersScratch>>;

async function psJson(t: Parameters<typeof must>[0], scratch: Scratch): Promise<Record<string, unknown>[]> {
  return records(parseJson(await must(t, scratch.layerctl, ['ps', '-a', '--json'])));
}

async function logLines(t: Parameters<typeof must>[0], scratch: Scratch, name: string): Promise<number> {
  return (await must(t, scratch.layerctl, ['logs', name])).split('\n').filter((line) => line !== '').length;
}

test('a detached container is listed, logged and stopped by commands run as separate processes', async (t) => {
  const scratch = await containersScratch(t, busyboxTar());
  const started = await scratch.run(['-d', '--name', 'ticker', ...COUNTER]);
  t.is(started.code, 0, started.stderr);
  t.regex(started.stdout, /^[0-9a-f]{64}\n$/);
  const [listed] = records(parseJson(await must(t, scratch.layerctl, ['ps', '--json'])));
  t.like(listed, { name: 'ticker', state: 'running', id: started.stdout.trim() });
  t.regex(await must(t, scratch.layerctl, ['ps']), /ticker\n$/);
  t.true(await eventually(async () => (await logLines(t, scratch, 'ticker')) >= 3), 'the log fills');
  await must(t, scratch.layerctl, ['stop', '-t', '1', 'ticker']);
  const [stopped] = await psJson(t, scratch);
  // sh as PID 1 ignores SIGTERM (no handler), so stop ends it with SIGKILL after -t.
  t.like(stopped, { state: 'exited', exitCode: 137 });
  t.deepEqual(records(parseJson(await must(t, scratch.layerctl, ['ps', '--json']))), [], 'ps without -a lists running ones only');
  const follow = await scratch.layerctl(['logs', '-f', 'ticker']);
  t.is(follow.code, 0, 'logs -f of an exited container ends');
});

test('kill -s sends the signal it names; the exit status says which', async (t) => {
  const scratch = await containersScratch(t, busyboxTar());
  await must(t, scratch.layerctl, ['run', '--cgroup-parent', scratch.cgroupParent, '-d', '--name', 'trapper', 'busybox', 'sh', '-c', 'trap "echo got USR1; exit 7" USR1; while true; do usleep 20000; done']);
  await must(t, scratch.layerctl, ['kill', '-s', 'USR1', 'trapper']);
  t.true(await eventually(async () => (await psJson(t, scratch))[0]?.['state'] === 'exited'));
  t.like((await psJson(t, scratch))[0], { exitCode: 7 });
  t.is(await must(t, scratch.layerctl, ['logs', 'trapper']), 'got USR1\n');
  await must(t, scratch.layerctl, ['run', '--cgroup-parent', scratch.cgroupParent, '-d', '--name', 'victim', ...COUNTER]);
  await must(t, scratch.layerctl, ['kill', 'victim']);
  t.true(await eventually(async () => (await psJson(t, scratch)).find((c) => c['name'] === 'victim')?.['exitCode'] === 137));
});

test('pause freezes a counter and unpause lets it go on', async (t) => {
  const scratch = await containersScratch(t, busyboxTar());
  await must(t, scratch.layerctl, ['run', '--cgroup-parent', scratch.cgroupParent, '-d', '--name', 'counter', ...COUNTER]);
  t.true(await eventually(async () => (await logLines(t, scratch, 'counter')) >= 3));
  await must(t, scratch.layerctl, ['pause', 'counter']);
  t.like((await psJson(t, scratch))[0], { state: 'paused' });
  const frozen = await logLines(t, scratch, 'counter');
  await sleep(500);
  t.is(await logLines(t, scratch, 'counter'), frozen, 'no line while paused');
  await must(t, scratch.layerctl, ['unpause', 'counter']);
  t.true(await eventually(async () => (await logLines(t, scratch, 'counter')) > frozen + 3), 'lines again after unpause');
  t.like((await psJson(t, scratch))[0], { state: 'running' });
});

test('a container whose monitor and process died unseen is listed as exited', async (t) => {
  const scratch = await containersScratch(t, busyboxTar());
  await must(t, scratch.layerctl, ['run', '--cgroup-parent', scratch.cgroupParent, '-d', '--name', 'orphan', ...COUNTER]);
  const [running] = await psJson(t, scratch);
  const pid = Number(running?.['pid']);
  for (const monitor of processesUsing(scratch.root)) process.kill(monitor, 'SIGKILL');
  process.kill(pid, 'SIGKILL');
  t.true(await eventually(() => !fs.existsSync(`/proc/${pid}/stat`) || fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z')));
  t.like((await psJson(t, scratch))[0], { name: 'orphan', state: 'exited', exitCode: null });
  await must(t, scratch.layerctl, ['rm', 'orphan']);
});

test('diff lists what a container added, changed and deleted; commit makes an image that runs with it', async (t) => {
  const scratch = await containersScratch(t, busyboxTar());
  const made = await scratch.run(['--name', 'changer', 'busybox', 'sh', '-c', 'echo new > /tmp/new; rm /bin/ls; echo extra >> /etc/group']);
  t.is(made.code, 0, made.stderr);
  const diff = (await must(t, scratch.layerctl, ['diff', 'changer'])).split('\n').filter((line) => line !== '');
  for (const line of ['C /tmp', 'A /tmp/new', 'C /bin', 'D /bin/ls', 'C /etc', 'C /etc/group']) t.true(diff.includes(line), `${line} in ${JSON.stringify(diff)}`);
  t.false(diff.some((line) => line.endsWith('/etc/hosts')), 'the init layer is not the container\'s change');
  const id = (await must(t, scratch.layerctl, ['commit', 'changer', 'changed:v1'])).trim();
  t.regex(id, /^sha256:[0-9a-f]{64}$/);
  const fromImage = await scratch.run(['--rm', 'changed:v1', 'sh', '-c', 'cat /tmp/new; test -e /bin/ls || echo no ls; tail -n 1 /etc/group']);
  t.is(fromImage.stdout, 'new\nno ls\nextra\n', fromImage.stderr);
  const history = await must(t, scratch.layerctl, ['history', 'changed:v1']);
  t.regex(history, /layerctl commit changer/);
});

test('export writes the container\'s merged root filesystem as a tar', async (t) => {
  const scratch = await containersScratch(t, busyboxTar());
  t.is((await scratch.run(['--name', 'exported', 'busybox', 'sh', '-c', 'echo mine > /root/note; rm /bin/ls'])).code, 0);
  const tar = path.join(scratch.dir, 'rootfs.tar');
  await must(t, scratch.layerctl, ['export', 'exported', '-o', tar]);
  const names = execFileSync('tar', ['-tf', tar], { encoding: 'utf8' }).split('\n');
  t.true(names.includes('root/note'));
  t.true(names.includes('bin/busybox'));
  t.true(names.includes('etc/hostname'));
  t.false(names.includes('bin/ls'));
  t.is(execFileSync('tar', ['-xOf', tar, 'root/note'], { encoding: 'utf8' }), 'mine\n');
  const toStdout = path.join(scratch.dir, 'stdout.tar');
  t.is((await scratch.layerctl(['export', 'exported'], { stdoutFile: toStdout })).code, 0);
  t.is(fs.statSync(toStdout).size, fs.statSync(tar).size);
});

test('rmi refuses an image a container uses, and removes it once the container is gone', async (t) => {
  const scratch = await containersScratch(t, busyboxTar());
  t.is((await scratch.run(['--name', 'user', 'busybox', 'true'])).code, 0);
  const refused = await scratch.layerctl(['rmi', 'busybox']);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /used by container user/);
  await must(t, scratch.layerctl, ['rm', 'user']);
  await must(t, scratch.layerctl, ['rmi', 'busybox']);
  t.is(await must(t, scratch.layerctl, ['snapshot', 'ls']), 'KEY   PARENT   KIND\n');
});

test('rm refuses a running container without -f; names are unique; ids resolve by prefix', async (t) => {
  const scratch = await containersScratch(t, busyboxTar());
  const id = (await must(t, scratch.layerctl, ['run', '--cgroup-parent', scratch.cgroupParent, '-d', '--name', 'busy', ...COUNTER])).trim();
  const refused = await scratch.layerctl(['rm', 'busy']);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /running; stop it first/);
  const taken = await scratch.run(['--name', 'busy', 'busybox', 'true']);
  t.is(taken.code, 125);
  t.regex(taken.stderr, /already in use/);
  await must(t, scratch.layerctl, ['rm', '-f', id.slice(0, 8)]);
  t.deepEqual(await psJson(t, scratch), []);
});

test('run -d of a program the image lacks exits 127, as in the foreground, and leaves the container created', async (t) => {
  const scratch = await containersScratch(t, busyboxTar());
  const result = await scratch.run(['-d', '--name', 'never', 'busybox', 'no-such-program']);
  t.is(result.code, 127);
  t.regex(result.stderr, /no-such-program/);
  t.like((await psJson(t, scratch))[0], { name: 'never', state: 'created' });
  t.deepEqual(mountsUnder(scratch.dir), []);
});

test('a foreground container\'s stdout and stderr reach run\'s own and are kept for logs', async (t) => {
  const scratch = await containersScratch(t, busyboxTar());
  const result = await scratch.run(['--name', 'fg', 'busybox', 'sh', '-c', 'echo to-out; echo to-err >&2']);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, 'to-out\n');
  t.is(result.stderr, 'to-err\n');
  const logged = (await must(t, scratch.layerctl, ['logs', 'fg'])).split('\n').sort();
  t.deepEqual(logged, ['', 'to-err', 'to-out']);
});

test('a detached --rm container is removed by its monitor once it exits, layers and all', async (t) => {
  const scratch = await containersScratch(t, busyboxTar());
  const imageOnly = await must(t, scratch.layerctl, ['snapshot', 'ls']);
  const started = await scratch.run(['-d', '--rm', '--network', 'none', 'busybox', 'sleep', '1']);
  t.is(started.code, 0, started.stderr);
  t.regex(started.stdout, /^[0-9a-f]{64}\n$/);
  t.true(await eventually(async () => (await psJson(t, scratch)).length === 0), 'the container went');
  t.is(await must(t, scratch.layerctl, ['snapshot', 'ls']), imageOnly);
  t.deepEqual(mountsUnder(scratch.dir), []);
});

test('stop sends the image\'s STOPSIGNAL first', async (t) => {
  const scratch = await containersScratch(t, busyboxTar());
  const context = path.join(scratch.dir, 'context');
  fs.mkdirSync(context);
  fs.writeFileSync(path.join(context, 'Dockerfile'), 'FROM busybox\nSTOPSIGNAL SIGUSR1\n');
  await must(t, scratch.layerctl, ['build', '-f', path.join(context, 'Dockerfile'), '-t', 'stopper', context]);
  const trap = 'trap "echo got usr1; exit 3" USR1; while :; do usleep 20000; done';
  await must(t, scratch.layerctl, ['run', '--cgroup-parent', scratch.cgroupParent, '-d', '--network', 'none', '--name', 'st', 'stopper', 'sh', '-c', trap]);
  await must(t, scratch.layerctl, ['stop', '-t', '30', 'st']);
  t.like((await psJson(t, scratch))[0], { state: 'exited', exitCode: 3 });
  t.is(await must(t, scratch.layerctl, ['logs', 'st']), 'got usr1\n');
});
