import fs from 'node:fs';
import test from 'ava';
import { runCaptured, testBundle } from '../testing/test-container.ts';

test('the container has its own hostname, and the host keeps its own', async (t) => {
  const before = fs.readFileSync('/proc/sys/kernel/hostname', 'utf8');
  const run = await runCaptured(testBundle(t, { args: ['hostname'], hostname: 'ctr-host-1' }));
  t.is(run.stdout, 'ctr-host-1\n');
  t.is(fs.readFileSync('/proc/sys/kernel/hostname', 'utf8'), before);
});

test('no host mount is visible: only the rootfs and the container filesystems are mounted', async (t) => {
  const bundle = testBundle(t, { args: ['cat', '/proc/self/mountinfo'] });
  const run = await runCaptured(bundle);
  t.is(run.status.code, 0, run.stderr);
  const targets = run.stdout.trim().split('\n').map((line) => line.split(' ')[4]);
  t.is(targets[0], '/');
  const allowed = /^\/(proc|sys|dev)(\/|$)/;
  t.deepEqual(targets.slice(1).filter((m) => m === undefined || !allowed.test(m)), []);
  t.false(run.stdout.includes(bundle.dir), 'the scratch path of the rootfs shows nowhere');
  t.false(run.stdout.includes('/mnt/sandboxing'));
});

test('with network none the container has only lo, and it is up', async (t) => {
  const run = await runCaptured(testBundle(t, { args: ['ip', '-o', 'link'] }));
  t.is(run.status.code, 0, run.stderr);
  const links = run.stdout.trim().split('\n');
  t.is(links.length, 1);
  t.regex(links[0] ?? '', /^1: lo: <LOOPBACK,UP,LOWER_UP>/);
});

test('/proc/sys and /sys are read-only, and masked /proc files and directories read empty', async (t) => {
  const script = [
    'echo x > /proc/sys/kernel/hostname && echo proc-sys-writable',
    'touch /sys/kernel/x 2>/dev/null && echo sys-writable',
    'mkdir /sys/fs/x 2>/dev/null && echo sys-writable',
    'echo interrupts=$(wc -c < /proc/interrupts)',
    'grep -c " /proc/sys ro," /proc/self/mountinfo',
    'exit 0',
  ].join('\n');
  const run = await runCaptured(testBundle(t, { args: ['sh', '-c', script] }));
  t.is(run.status.code, 0, run.stderr);
  t.false(run.stdout.includes('writable'), run.stdout);
  t.true(run.stdout.includes('interrupts=0'), run.stdout + run.stderr);
  t.regex(run.stdout, /^1$/m);
  t.regex(run.stderr, /Read-only file system/);
});

test('stdin and stdout are pipes to the caller', async (t) => {
  const run = await runCaptured(testBundle(t, { args: ['tr', 'a-z', 'A-Z'] }), 'hello container\n');
  t.is(run.stdout, 'HELLO CONTAINER\n');
  t.is(run.status.code, 0);
});

test('the program gets the spec environment, working directory and umask, and SIGPIPE at its default', async (t) => {
  const run = await runCaptured(
    testBundle(t, { args: ['sh', '-c', 'echo "$FOO" $(pwd) $(umask); yes | head -n 1'], env: ['PATH=/bin:/usr/bin', 'FOO=bar'], cwd: '/var/work' }),
  );
  t.is(run.stdout, 'bar /var/work 0022\ny\n');
  t.is(run.status.code, 0, run.stderr);
});

test("Docker's network sysctls are set in the container's own network namespace only", async (t) => {
  const before = fs.readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8');
  const run = await runCaptured(testBundle(t, { args: ['cat', '/proc/sys/net/ipv4/ip_unprivileged_port_start'] }));
  t.is(run.stdout, '0\n', run.stderr);
  t.is(fs.readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'), before);
});

test('a volume bind is writable through to its host directory, a read-only one refuses writes, and a read-only rootfs too', async (t) => {
  let volume = '';
  let readonly = '';
  const bundle = testBundle(
    t,
    { args: ['sh', '-c', 'echo data > /vol/file; echo x > /ro/file || echo ro-refused; touch /newfile || echo root-refused'], readonlyRootfs: true },
    (spec) => {
      volume = `${spec.root.path}-volume`;
      readonly = `${spec.root.path}-readonly`;
      fs.mkdirSync(volume);
      fs.mkdirSync(readonly);
      spec.mounts.push({ destination: '/vol', type: 'bind', source: volume, options: ['rbind'] });
      spec.mounts.push({ destination: '/ro', type: 'bind', source: readonly, options: ['rbind', 'ro'] });
    },
  );
  const run = await runCaptured(bundle);
  t.is(run.status.code, 0, run.stderr);
  t.is(run.stdout, 'ro-refused\nroot-refused\n');
  t.is(fs.readFileSync(`${volume}/file`, 'utf8'), 'data\n');
  t.deepEqual(fs.readdirSync(readonly), []);
});

test("/sys/fs/cgroup shows the container's own cgroups, read-only, with its limits", async (t) => {
  const script = 'ls /sys/fs/cgroup; cat /sys/fs/cgroup/pids/pids.max; echo 1 > /sys/fs/cgroup/pids/pids.max || echo refused';
  const run = await runCaptured(testBundle(t, { args: ['sh', '-c', script], resources: { pids: { limit: 42 } } }));
  t.is(run.status.code, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  t.true(lines.includes('memory') && lines.includes('pids'), run.stdout);
  t.deepEqual(lines.slice(-2), ['42', 'refused']);
});

test("the spec's rootfsPropagation is applied to the container's root", async (t) => {
  const bundle = testBundle(t, { args: ['awk', '$5 == "/"', '/proc/self/mountinfo'] }, (spec) => {
    spec.linux.rootfsPropagation = 'rshared';
  });
  const run = await runCaptured(bundle);
  t.is(run.status.code, 0, run.stderr);
  t.regex(run.stdout, / shared:\d+ /);
});
