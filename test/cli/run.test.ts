import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { busyboxTarForFile } from './busybox-tar.ts';
import { containersScratch, eventually } from './containers-scratch.ts';
import { parseJson, records } from './json-output.ts';
import { LAYERCTL_BIN } from './run-layerctl.ts';
import { mountsUnder, must } from './snapshot-scratch.ts';

const busyboxTar = busyboxTarForFile(test);

test('run exits with the container\'s own status; 127 for a missing command, 125 when layerctl itself fails', async (t) => {
  const { run } = await containersScratch(t, busyboxTar());
  const ok = await run(['--rm', 'busybox', 'echo', 'hello', 'from', 'a', 'container']);
  t.is(ok.code, 0, ok.stderr);
  t.is(ok.stdout, 'hello from a container\n');
  t.is((await run(['--rm', 'busybox', 'sh', '-c', 'exit 3'])).code, 3);
  const missing = await run(['--rm', 'busybox', 'no-such-program']);
  t.is(missing.code, 127);
  t.regex(missing.stderr, /no-such-program/);
  const noImage = await run(['--rm', 'no-such-image', 'true']);
  t.is(noImage.code, 125);
  t.regex(noImage.stderr, /^layerctl: .*no-such-image/);
});

test('a container that fails after printing a lot still hands all of it through a pipe, then its status', async (t) => {
  const { run } = await containersScratch(t, busyboxTar());
  // Several pipe buffers' worth: layerctl must not end before its stdout is drained.
  const result = await run(['--rm', '--network', 'none', 'busybox', 'sh', '-c', 'seq 1 100000; exit 4']);
  t.is(result.code, 4, result.stderr);
  const lines = result.stdout.split('\n');
  t.is(lines.length, 100001);
  t.is(lines[99999], '100000');
});

test('the words after the image are the command, flags included', async (t) => {
  const { run } = await containersScratch(t, busyboxTar());
  const result = await run(['--rm', 'busybox', 'sh', '-c', 'echo "$0 $1"', '-e', '--rm']);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, '-e --rm\n');
});

test('-e, -w and -u reach the process; a user name is looked up in the image\'s own /etc/passwd', async (t) => {
  const { run } = await containersScratch(t, busyboxTar());
  const result = await run(['--rm', '-e', 'GREETING=hi there', '-w', '/made/for/it', '-u', 'www-data', 'busybox', 'sh', '-c', 'echo "$GREETING"; pwd; id -u; id -g; echo $HOME']);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, 'hi there\n/made/for/it\n33\n33\n/var/www\n');
  const numeric = await run(['--rm', '-u', '1234:5678', 'busybox', 'sh', '-c', 'echo $(id -u):$(id -g)']);
  t.is(numeric.stdout, '1234:5678\n', numeric.stderr);
});

test('the container has its own hostname and, with --network none, only a loopback device', async (t) => {
  const { run } = await containersScratch(t, busyboxTar());
  const result = await run(['--rm', '--hostname', 'box', '--network', 'none', 'busybox', 'sh', '-c', 'hostname; cat /etc/hostname; ls /sys/class/net; echo $$']);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, 'box\nbox\nlo\n1\n');
});

test('--rm leaves no container, layer, mount, directory or cgroup behind', async (t) => {
  const { run, layerctl, dir, root, cgroupParent } = await containersScratch(t, busyboxTar());
  const before = await must(t, layerctl, ['snapshot', 'ls']);
  t.is((await run(['--rm', 'busybox', 'sh', '-c', 'echo data > /file'])).code, 0);
  t.deepEqual(records(parseJson(await must(t, layerctl, ['ps', '-a', '--json']))), []);
  const after = await must(t, layerctl, ['snapshot', 'ls']);
  t.is(after, before);
  t.deepEqual(mountsUnder(dir), []);
  t.deepEqual(fs.readdirSync(path.join(root, 'containers')), []);
  for (const hierarchy of ['memory', 'pids', 'freezer', 'cpu']) {
    const parent = path.join('/sys/fs/cgroup', hierarchy, cgroupParent);
    const children = fs.existsSync(parent) ? fs.readdirSync(parent, { withFileTypes: true }).filter((entry) => entry.isDirectory()) : [];
    t.deepEqual(children.map((entry) => entry.name), [], `${hierarchy} cgroups left`);
  }
});

test('a memory hog is OOM-killed under --memory: exit 137, and ps says so', async (t) => {
  const { run, layerctl } = await containersScratch(t, busyboxTar());
  // tail keeps its input until the last newline, which /dev/zero never sends: it only grows.
  const result = await run(['--name', 'hog', '--memory', '16m', 'busybox', 'sh', '-c', 'head -c 200m /dev/zero | tail -n 1 > /dev/null; echo survived $?']);
  const [hog] = records(parseJson(await must(t, layerctl, ['ps', '-a', '--json'])));
  t.like(hog, { name: 'hog', state: 'exited', oomKilled: true });
  t.not(result.stdout, 'survived 0\n');
  const small = await run(['--rm', '--memory', '16m', 'busybox', 'sh', '-c', 'head -c 4m /dev/zero | tail -n 1 | wc -c']);
  t.is(small.code, 0, small.stderr);
  t.is(small.stdout.trim(), String(4 * 1024 * 1024), 'a program well under the limit runs fine');
});

test('--pids-limit stops a fork bomb: the container never holds more processes than the limit', async (t) => {
  const { run } = await containersScratch(t, busyboxTar());
  // The subshell forks until fork fails (ash then gives up); its sleeps stay. Counting uses
  // builtins only, since no pid is left for a program.
  const script = '(for i in $(seq 40); do sleep 3 & done) 2>/dev/null; set -- /proc/[0-9]*; echo $#';
  const result = await run(['--rm', '--pids-limit', '10', 'busybox', 'sh', '-c', script]);
  t.is(result.code, 0, result.stderr);
  const count = Number(result.stdout.trim());
  t.true(count > 5 && count <= 10, `${count} processes of the 41 asked for`);
});

test.serial('--cpus holds a busy loop to its share of the CPU, as cpuacct and the CFS throttle count show', async (t) => {
  const { run, cgroupParent, layerctl } = await containersScratch(t, busyboxTar());
  // A small share is reached in every period even on a loaded machine, so the quota is what limits it.
  const cpus = 0.05;
  const id = (await run(['-d', '--cpus', String(cpus), 'busybox', 'sh', '-c', 'while :; do :; done'])).stdout.trim();
  t.regex(id, /^[0-9a-f]{64}$/);
  const cgroupFile = (hierarchy: string, file: string): string => fs.readFileSync(path.join('/sys/fs/cgroup', hierarchy, cgroupParent, id, file), 'utf8');
  const usage = (): bigint => BigInt(cgroupFile('cpuacct', 'cpuacct.usage').trim());
  const throttled = (): number => Number(/nr_throttled (\d+)/.exec(cgroupFile('cpu', 'cpu.stat'))?.[1] ?? NaN);
  const startUsage = usage();
  const startThrottled = throttled();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const usedSeconds = Number(usage() - startUsage) / 1e9;
  const elapsedSeconds = (performance.now() - started) / 1000;
  t.true(throttled() > startThrottled, 'CFS throttled the loop');
  // Each 100 ms period grants 5 ms; allow one period's slack on either end.
  t.true(usedSeconds <= cpus * elapsedSeconds + 0.02, `${usedSeconds.toFixed(3)} s of CPU in ${elapsedSeconds.toFixed(2)} s at --cpus ${cpus}`);
  t.true(usedSeconds >= cpus * elapsedSeconds * 0.5, `the loop ran: ${usedSeconds.toFixed(3)} s of CPU`);
  await must(t, layerctl, ['rm', '-f', id]);
});

test('a named volume\'s data survives rm, and a :ro bind refuses writes', async (t) => {
  const { run, layerctl, dir } = await containersScratch(t, busyboxTar());
  t.is((await run(['--name', 'writer', '-v', 'keep:/data', 'busybox', 'sh', '-c', 'echo kept > /data/file'])).code, 0);
  await must(t, layerctl, ['rm', 'writer']);
  const read = await run(['--rm', '-v', 'keep:/data', 'busybox', 'cat', '/data/file']);
  t.is(read.stdout, 'kept\n', read.stderr);
  const host = path.join(dir, 'host');
  fs.mkdirSync(host);
  fs.writeFileSync(path.join(host, 'given'), 'from the host\n');
  const bound = await run(['--rm', '-v', `${host}:/mnt:ro`, 'busybox', 'sh', '-c', 'cat /mnt/given; echo no > /mnt/new']);
  t.is(bound.stdout, 'from the host\n');
  t.not(bound.code, 0);
  t.false(fs.existsSync(path.join(host, 'new')));
});

test('an unknown --network or flag exits 125 as docker run does', async (t) => {
  const { run } = await containersScratch(t, busyboxTar());
  const unknown = await run(['--rm', '--network', 'no-such-network', 'busybox', 'true']);
  t.is(unknown.code, 125);
  t.regex(unknown.stderr, /network no-such-network: no such network/);
  t.is((await run(['--bogus', 'busybox', 'true'])).code, 125);
});

test('-i passes stdin on; without it the container reads nothing', async (t) => {
  const { run, dir } = await containersScratch(t, busyboxTar());
  const input = path.join(dir, 'input.txt');
  fs.writeFileSync(input, 'typed in\n');
  t.is((await run(['--rm', '-i', 'busybox', 'cat'], { stdinFile: input })).stdout, 'typed in\n');
  t.is((await run(['--rm', 'busybox', 'cat'], { stdinFile: input })).stdout, '');
});

test('-t gives the container a terminal on its stdio, and its exit status still comes back', async (t) => {
  const { root, cgroupParent } = await containersScratch(t, busyboxTar());
  // util-linux script(1) runs the command on a pseudo-terminal of its own, as a user's shell would.
  const line = `${process.execPath} ${LAYERCTL_BIN} --root ${root} run --rm -t --cgroup-parent ${cgroupParent} busybox sh -c 'test -t 0 && test -t 1 && echo on-a-tty; exit 5'`;
  const result = spawnSync('script', ['-qec', line, '/dev/null'], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  t.regex(result.stdout, /on-a-tty/);
  t.is(result.status, 5, result.stderr);
});

test('SIGTERM and SIGINT sent to a foreground run go to the container, whose status run then exits with', async (t) => {
  const { root, cgroupParent, layerctl } = await containersScratch(t, busyboxTar());
  for (const [signal, status] of [['SIGTERM', 9], ['SIGINT', 8]] as const) {
    const trap = `trap "exit ${status}" ${signal.slice(3)}; while :; do usleep 10000; done`;
    const runner = spawn(process.execPath, [LAYERCTL_BIN, '--root', root, 'run', '--rm', '--cgroup-parent', cgroupParent, 'busybox', 'sh', '-c', trap], { stdio: 'ignore' });
    const exited = once(runner, 'exit');
    t.teardown(() => runner.kill('SIGKILL'));
    t.true(await eventually(async () => records(parseJson(await must(t, layerctl, ['ps', '--json'])))[0]?.['state'] === 'running'));
    runner.kill(signal);
    const [code] = await exited;
    t.is(code, status, `${signal} reached the container's trap`);
  }
});

test('--progress plain names each step of preparing the container on stderr, and stdout stays the container\'s', async (t) => {
  const { layerctl, cgroupParent } = await containersScratch(t, busyboxTar());
  const result = await layerctl(['--progress', 'plain', 'run', '--rm', '--cgroup-parent', cgroupParent, 'busybox', 'echo', 'out']);
  t.is(result.stdout, 'out\n');
  // import unpacked the image already, so there is no unpacking step.
  t.is(result.stderr, 'creating the init and rw layers\nmounting the root filesystem\n');
  const again = await layerctl(['run', '--rm', '--cgroup-parent', cgroupParent, 'busybox', 'true']);
  t.is(again.stderr, '', 'without a terminal, auto shows nothing when there is nothing slow to show');
});
