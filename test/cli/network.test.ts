import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { readOptional } from '@layerctl/snapshotter';
import { SysError } from '@layerctl/sys';
import { busyboxTarForFile } from './busybox-tar.ts';
import { containersScratch, eventually, processesUsing } from './containers-scratch.ts';
import { parseJson, records } from './json-output.ts';
import { fetchScript, freePort, getFromHost, ipForward, networkLeftovers, networks, networkSettings, NOTHING_LEFT, restoreIpForwardForFile, serverScript } from './network-scratch.ts';
import { LAYERCTL_BIN } from './run-layerctl.ts';
import { must } from './snapshot-scratch.ts';
import { rootStamp, rootTag } from '../../packages/layerctl/src/networks/network-names.ts';

const busyboxTar = busyboxTarForFile(test);
restoreIpForwardForFile(test);

test('a container on a user-defined network answers another by its name; a container on another network reaches neither', async (t) => {
  const { run, layerctl } = await containersScratch(t, busyboxTar());
  await must(t, layerctl, ['network', 'create', 'front']);
  await must(t, layerctl, ['network', 'create', 'back']);
  t.is((await run(['-d', '--name', 'web', '--network', 'front', 'busybox', 'sh', '-c', serverScript('hello-from-web')])).code, 0);
  const byName = await run(['--rm', '--network', 'front', 'busybox', 'sh', '-c', fetchScript('http://web/')]);
  t.is(byName.code, 0, byName.stderr);
  t.is(byName.stdout, 'hello-from-web\n');

  const web = await networkSettings(t, layerctl, 'web');
  t.is(web['Network'], 'front');
  t.is(ipForward(), '1', 'forwarding is on, so only the isolation rules can keep the networks apart');
  const across = await run(['--rm', '--network', 'back', 'busybox', 'sh', '-c', `timeout 3 wget -q -O - http://${String(web['IPAddress'])}/; echo "wget $?"; ping -c 1 -W 1 web >/dev/null 2>&1; echo "ping $?"`]);
  t.is(across.stdout, 'wget 143\nping 1\n', 'the address times out, the name does not resolve');
});

test('a published port answers on the host\'s 127.0.0.1, and ps and inspect show it', async (t) => {
  const { run, layerctl } = await containersScratch(t, busyboxTar());
  const port = await freePort();
  const started = await run(['-d', '--name', 'pub', '-p', `127.0.0.1:${port}:80`, 'busybox', 'sh', '-c', serverScript('published')]);
  t.is(started.code, 0, started.stderr);
  t.is(await getFromHost(port), 'published\n');
  const [listed] = records(parseJson(await must(t, layerctl, ['ps', '--json'])));
  t.deepEqual(listed?.['ports'], [`127.0.0.1:${port}->80/tcp`]);
  t.regex(await must(t, layerctl, ['ps']), new RegExp(`127\\.0\\.0\\.1:${port}->80/tcp\\s+pub`));
  const settings = await networkSettings(t, layerctl, 'pub');
  t.like(settings, { Network: 'bridge', Ports: [`127.0.0.1:${port}->80/tcp`] });
  const clash = await run(['--rm', '-p', `${port}:81`, 'busybox', 'true']);
  t.is(clash.code, 125);
  t.regex(clash.stderr, /already published by container/);
});

test('--network container: shares the target\'s loopback, whether the target is on a bridge or on none', async (t) => {
  const { run, layerctl } = await containersScratch(t, busyboxTar());
  t.is((await run(['-d', '--name', 'bridged', 'busybox', 'sh', '-c', serverScript('over-loopback', '127.0.0.1:8080')])).code, 0);
  const joined = await run(['--rm', '--network', 'container:bridged', 'busybox', 'sh', '-c', `(${fetchScript('http://127.0.0.1:8080/')}) && hostname && grep -c "$(hostname)" /etc/hosts`]);
  const target = records(parseJson(await must(t, layerctl, ['ps', '--json']))).find((container) => container['name'] === 'bridged');
  t.is(joined.stdout, `over-loopback\n${String(target?.['hostname'])}\n1\n`, 'its hostname and /etc/hosts are the target\'s too, as Docker\'s');
  t.is((await run(['-d', '--name', 'alone', '--network', 'none', 'busybox', 'sh', '-c', serverScript('loopback-only', '127.0.0.1:8081')])).code, 0);
  const second = await run(['--rm', '--network', 'container:alone', 'busybox', 'sh', '-c', `${fetchScript('http://127.0.0.1:8081/')}`]);
  t.is(second.stdout, 'loopback-only\n', second.stderr);
  const stopped = await run(['--name', 'ended', 'busybox', 'true']);
  t.is(stopped.code, 0);
  const refused = await run(['--rm', '--network', 'container:ended', 'busybox', 'true']);
  t.is(refused.code, 125);
  t.regex(refused.stderr, /ended is exited/);
});

test('rm and network rm leave no interface, address, netns file or nftables table; a network in use is not removed', async (t) => {
  const { run, layerctl, root } = await containersScratch(t, busyboxTar());
  await must(t, layerctl, ['network', 'create', 'tidy', '--subnet', '10.250.1.0/24']);
  t.is((await run(['-d', '--name', 'one', '--network', 'tidy', '-p', `127.0.0.1:${await freePort()}:80`, 'busybox', 'sleep', '600'])).code, 0);
  t.is((await run(['-d', '--name', 'two', '--network', 'tidy', 'busybox', 'sleep', '600'])).code, 0);
  const [tidy] = await networks(t, layerctl);
  const bridge = String(tidy?.['bridge']);
  const during = networkLeftovers(root, [bridge]);
  t.is(during.links.length, 3, 'the bridge and two veths');
  t.deepEqual(during.tables, [`layerctl_${bridge}`]);
  t.is(during.netns.length, 2);
  t.regex(during.addresses.join('\n'), /10\.250\.1\.1\/24/);
  const busy = await layerctl(['network', 'rm', 'tidy']);
  t.is(busy.code, 1);
  t.regex(busy.stderr, /in use by 2 container/);
  await must(t, layerctl, ['rm', '-f', 'one', 'two']);
  t.deepEqual(networkLeftovers(root, [bridge]), NOTHING_LEFT);
  t.false(fs.existsSync(rootStamp(rootTag(root))), 'the root stamp goes with its last interface');
  await must(t, layerctl, ['network', 'rm', 'tidy']);
  t.deepEqual(await networks(t, layerctl), []);
});

test('after kill -9 of a foreground run and its container, gc removes the endpoint, veth, bridge, netns file and table', async (t) => {
  const { layerctl, root, cgroupParent } = await containersScratch(t, busyboxTar());
  const runner = spawn(process.execPath, [LAYERCTL_BIN, '--root', root, 'run', '--rm', '--name', 'victim', '--cgroup-parent', cgroupParent, '-p', `127.0.0.1:${await freePort()}:80`, 'busybox', 'sleep', '600'], { stdio: 'ignore' });
  t.teardown(() => runner.kill('SIGKILL'));
  const running = async () => records(parseJson(await must(t, layerctl, ['ps', '--json'])));
  t.true(await eventually(async () => (await running()).length === 1, 30_000), 'the container runs');
  const [victim] = await running();
  runner.kill('SIGKILL');
  await new Promise((resolve) => runner.once('exit', resolve));
  process.kill(Number(victim?.['pid']), 'SIGKILL');
  const [bridgeNetwork] = await networks(t, layerctl);
  const bridge = String(bridgeNetwork?.['bridge']);
  t.true(await eventually(async () => (await layerctl(['ps', '--json'])).stdout.trim() === '[]', 10_000), 'seen as exited');
  const left = networkLeftovers(root, [bridge]);
  t.is(left.links.length, 2, 'the bridge and the veth stay behind');
  t.is(left.netns.length, 1);
  const gc = await must(t, layerctl, ['gc', '--json']);
  t.regex(gc, /removedEndpoints/);
  t.deepEqual(networkLeftovers(root, [bridge]), NOTHING_LEFT);
  t.deepEqual((await networks(t, layerctl)).map((network) => network['containers']), [[]]);
  t.false(fs.existsSync(path.join(root, 'netns', String(victim?.['id']))));
});

test('containers started at once on one network get distinct addresses, and a freed address is not the next one handed out', async (t) => {
  const { run, layerctl } = await containersScratch(t, busyboxTar());
  await must(t, layerctl, ['network', 'create', 'many', '--subnet', '10.250.2.0/29']);
  const names = ['a1', 'a2', 'a3'];
  const started = await Promise.all(names.map((name) => run(['-d', '--name', name, '--network', 'many', 'busybox', 'sleep', '600'])));
  t.deepEqual(started.map((result) => result.code), [0, 0, 0], started.map((result) => result.stderr).join(''));
  const addresses = await Promise.all(names.map(async (name) => String((await networkSettings(t, layerctl, name))['IPAddress'])));
  t.is(new Set(addresses).size, 3, addresses.join(' '));
  t.deepEqual([...addresses].sort(), ['10.250.2.2', '10.250.2.3', '10.250.2.4']);
  const freed = String((await networkSettings(t, layerctl, 'a1'))['IPAddress']);
  await must(t, layerctl, ['rm', '-f', 'a1']);
  t.is((await run(['-d', '--name', 'a4', '--network', 'many', 'busybox', 'sleep', '600'])).code, 0);
  const next = String((await networkSettings(t, layerctl, 'a4'))['IPAddress']);
  t.not(next, freed);
  t.is(next, '10.250.2.5');
  const inside = await run(['--rm', '--network', 'many', 'busybox', 'sh', '-c', 'ip -4 -o addr show eth0; ip route']);
  t.regex(inside.stdout, /inet 10\.250\.2\.6\/29/);
  t.regex(inside.stdout, /default via 10\.250\.2\.1 dev eth0/);
  const full = await run(['--rm', '--network', 'many', 'busybox', 'true'], {});
  t.is(full.code, 0, 'the .6 of the last run came back');
  await must(t, layerctl, ['rm', '-f', 'a2', 'a3', 'a4']);
});

test('--network host shares the host\'s interfaces and /etc/hosts; none has only lo; the default is bridge with eth0', async (t) => {
  const { run } = await containersScratch(t, busyboxTar());
  const before = hostInterfaces();
  const host = await run(['--rm', '--network', 'host', 'busybox', 'sh', '-c', 'ls /sys/class/net; echo ---; cat /etc/hosts']);
  const after = hostInterfaces();
  const [interfaces = '', hosts] = host.stdout.split('---\n');
  t.is(hosts, fs.readFileSync('/etc/hosts', 'utf8'));
  // Other tests' interfaces come and go meanwhile (a root's bridge goes with its last container and
  // comes back, by the same name, with its next): those the host had throughout are seen.
  const seen = interfaces.split('\n');
  const steady = [...before].filter(([name, index]) => after.get(name) === index).map(([name]) => name);
  t.deepEqual(steady.filter((name) => !seen.includes(name)), []);
  t.true(steady.length > 1, 'the host has more than lo');
  t.is((await run(['--rm', '--network', 'none', 'busybox', 'ls', '/sys/class/net'])).stdout, 'lo\n');
  const bridged = await run(['--rm', 'busybox', 'sh', '-c', 'ls /sys/class/net; grep -c "$(hostname)" /etc/hosts']);
  t.is(bridged.stdout, 'eth0\nlo\n1\n', bridged.stderr);
});

test('any root\'s gc takes down the bridge of a root that was deleted', async (t) => {
  const gone = await containersScratch(t, busyboxTar());
  const keeper = await containersScratch(t, busyboxTar());
  t.is((await gone.run(['-d', '--name', 'orphan', 'busybox', 'sleep', '600'])).code, 0);
  const [bridgeNetwork] = await networks(t, gone.layerctl);
  const bridge = String(bridgeNetwork?.['bridge']);
  // What a crash and a deleted root leave: the container killed and its netns file unmounted
  // by hand, the root's files gone; the bridge and its table stay on the host.
  const [orphan] = records(parseJson(await must(t, gone.layerctl, ['ps', '--json'])));
  for (const monitor of processesUsing(gone.root)) process.kill(monitor, 'SIGKILL');
  process.kill(Number(orphan?.['pid']), 'SIGKILL');
  for (const file of fs.readdirSync(path.join(gone.root, 'netns'))) spawnSync('umount', ['-l', path.join(gone.root, 'netns', file)]);
  fs.rmSync(path.join(gone.root, 'metadata.db'));
  t.is(networkLeftovers(gone.root, [bridge]).tables.length, 1, 'the table is still there');
  await must(t, keeper.layerctl, ['gc']);
  t.deepEqual(networkLeftovers(gone.root, [bridge]).links, []);
  t.deepEqual(networkLeftovers(gone.root, [bridge]).tables, []);
  t.false(fs.existsSync(rootStamp(rootTag(gone.root))), 'the deleted root\'s stamp goes with its bridge');
});

test('network create refuses a taken name, an overlapping subnet, a subnet with host bits and the names none and host', async (t) => {
  const { layerctl } = await containersScratch(t, busyboxTar());
  await must(t, layerctl, ['network', 'create', 'first', '--subnet', '10.250.3.0/24']);
  const refusals: Array<[string[], RegExp]> = [
    [['first'], /network first already exists/],
    [['second', '--subnet', '10.250.0.0/16'], /overlaps network first \(10\.250\.3\.0\/24\)/],
    [['third', '--subnet', '10.250.4.1/24'], /host bits set; the subnet starts at 10\.250\.4\.0\/24/],
    [['none'], /means --network none/],
    [['host'], /means --network host/],
  ];
  for (const [args, message] of refusals) {
    const result = await layerctl(['network', 'create', ...args]);
    t.is(result.code, 1, args.join(' '));
    t.regex(result.stderr, message);
  }
  const listed = await networks(t, layerctl);
  t.deepEqual(listed.map((network) => [network['name'], network['subnet'], network['gateway']]), [['first', '10.250.3.0/24', '10.250.3.1']]);
  t.regex(await must(t, layerctl, ['network', 'ls']), /^NAME\s+SUBNET\s+GATEWAY\s+BRIDGE\s+CONTAINERS\nfirst\s+10\.250\.3\.0\/24\s+10\.250\.3\.1\s+lcb[0-9a-f]{11}\s+0\n$/);
  const unknown = await layerctl(['network', 'rm', 'nope']);
  t.regex(unknown.stderr, /network nope: no such network/);
});

test('a container reaches a published port through the gateway address, its own port included (hairpin)', async (t) => {
  const { run, layerctl } = await containersScratch(t, busyboxTar());
  await must(t, layerctl, ['network', 'create', 'hair', '--subnet', '10.250.5.0/24']);
  const port = await freePort();
  const self = `mkdir -p /www && echo hairpin > /www/index.html && httpd -p 80 -h /www && (${fetchScript(`http://10.250.5.1:${port}/`)}); echo "status $?"; exec sleep 600`;
  t.is((await run(['-d', '--name', 'self', '--network', 'hair', '-p', `10.250.5.1:${port}:80`, 'busybox', 'sh', '-c', self])).code, 0);
  t.true(await eventually(async () => (await layerctl(['logs', 'self'])).stdout.includes('status'), 60_000));
  t.is((await layerctl(['logs', 'self'])).stdout, 'hairpin\nstatus 0\n', 'its own port, through the host');
  const other = await run(['--rm', '--network', 'hair', 'busybox', 'sh', '-c', fetchScript(`http://10.250.5.1:${port}/`)]);
  t.is(other.stdout, 'hairpin\n', other.stderr);
});

/** The host's network interfaces by name, with their ifindex (a recreated interface gets a new one). */
/** The interface's index, or undefined once it is gone or going (sysfs answers EINVAL while the kernel removes it). */
function ifindexWhileThere(name: string): string | undefined {
  try {
    return readOptional(path.join('/sys/class/net', name, 'ifindex'));
  } catch (error) {
    if (error instanceof SysError && error.code === 'EINVAL') return undefined;
    throw error;
  }
}

function hostInterfaces(): Map<string, string> {
  const interfaces = new Map<string, string>();
  for (const name of fs.readdirSync('/sys/class/net')) {
    // One that goes between the listing and the read is not there throughout either.
    const index = ifindexWhileThere(name);
    if (index !== undefined) interfaces.set(name, index.trim());
  }
  return interfaces;
}
