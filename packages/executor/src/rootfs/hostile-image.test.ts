import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { runCaptured, type TestBundle, testBundle } from '../testing/test-container.ts';
import { ContainerStartError } from '../process/container-start-error.ts';
import { readSpec } from '../spec/read-spec.ts';
import type { Mount } from '../spec/runtime-spec.ts';
import { writeBundle } from '../spec/write-bundle.ts';

// Every escape below is aimed at a sentinel directory in the test's own scratch dir, by its
// absolute path, standing in for the host's /etc, /proc, /dev: never at a real host path.

const HOSTS = '127.0.0.1 localhost\n10.0.0.1 from-the-hosts-bind\n';

/** The sentinel's whole content (names, types, file bytes), to compare before and after. */
function snapshot(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort().map((name) => {
    const file = path.join(dir, name);
    const stat = fs.lstatSync(file);
    return stat.isFile() ? `${name} ${fs.readFileSync(file, 'utf8')}` : `${name} ${stat.mode.toString(8)}`;
  });
}

function hostileBundle(t: ExecutionContext, args: string[], plant: (rootfs: string, sentinel: string) => void): { bundle: TestBundle; sentinel: string; before: string[] } {
  let sentinel = '';
  const bundle = testBundle(t, { args, mounts: [] }, (spec) => {
    sentinel = path.join(path.dirname(spec.root.path), 'sentinel');
    fs.mkdirSync(path.join(sentinel, 'etc'), { recursive: true });
    fs.mkdirSync(path.join(sentinel, 'proc'));
    fs.mkdirSync(path.join(sentinel, 'dev'));
    fs.writeFileSync(path.join(sentinel, 'shadow'), 'root:sentinel-hash:1::::::\n');
    fs.writeFileSync(path.join(sentinel, 'etc', 'hosts'), 'sentinel hosts\n');
    const hostsFile = path.join(path.dirname(spec.root.path), 'hosts');
    fs.writeFileSync(hostsFile, HOSTS);
    const hostsBind: Mount = { destination: '/etc/hosts', type: 'bind', source: hostsFile, options: ['rbind', 'ro'] };
    spec.mounts.push(hostsBind);
    plant(spec.root.path, sentinel);
  });
  return { bundle, sentinel, before: snapshot(sentinel) };
}

function replaceWithSymlink(rootfs: string, name: string, target: string): void {
  fs.rmSync(path.join(rootfs, name), { recursive: true, force: true });
  fs.symlinkSync(target, path.join(rootfs, name));
}

test('an image whose /etc is a symlink to a host path gets the hosts bind inside its rootfs', async (t) => {
  const { bundle, sentinel, before } = hostileBundle(t, ['cat', '/etc/hosts'], (rootfs, s) => {
    replaceWithSymlink(rootfs, 'etc', path.join(s, 'etc'));
  });
  const run = await runCaptured(bundle);
  t.is(run.status.code, 0, run.stderr);
  t.is(run.stdout, HOSTS);
  t.deepEqual(snapshot(sentinel), before);
});

test('an image whose /etc/hosts is a symlink to a host file binds over its own copy, not the host file', async (t) => {
  const { bundle, sentinel, before } = hostileBundle(t, ['cat', '/etc/hosts'], (rootfs, s) => {
    fs.symlinkSync(path.join(s, 'shadow'), path.join(rootfs, 'etc', 'hosts'));
  });
  const run = await runCaptured(bundle);
  t.is(run.status.code, 0, run.stderr);
  t.is(run.stdout, HOSTS);
  t.deepEqual(snapshot(sentinel), before);
  t.is(fs.readFileSync(path.join(sentinel, 'shadow'), 'utf8'), 'root:sentinel-hash:1::::::\n');
});

// The sentinel lives under /dev/shm (test scratch is tmpfs there), so a link aimed at it from the
// image's /proc or /dev passes through the image's own /dev: for /proc, under the container's
// /dev tmpfs (the proc mount lands there, hidden); for /dev, a link through itself (ELOOP).
// Either way the link is followed inside the rootfs and the host path is left alone.

test('an image whose /proc is a symlink to a host path mounts proc inside its rootfs, nothing on the host', async (t) => {
  const { bundle, sentinel, before } = hostileBundle(t, ['sh', '-c', 'ls /proc/; true'], (rootfs, s) => {
    replaceWithSymlink(rootfs, 'proc', path.join(s, 'proc'));
  });
  // No sysctls: with its proc hidden under /dev (see above) the container has no /proc/sys to write.
  const spec = readSpec(bundle.bundle);
  delete spec.linux.sysctl;
  writeBundle(bundle.bundle, spec);
  const run = await runCaptured(bundle);
  t.is(run.status.code, 0, run.stderr);
  t.deepEqual(snapshot(sentinel), before);
});

test('an image whose /dev is a symlink through its own /dev to a host path is refused, the host path untouched', async (t) => {
  const { bundle, sentinel, before } = hostileBundle(t, ['true'], (rootfs, s) => {
    replaceWithSymlink(rootfs, 'dev', path.join(s, 'dev'));
  });
  const error = await t.throwsAsync(runCaptured(bundle), { instanceOf: ContainerStartError });
  t.regex(error?.message ?? '', /ELOOP/);
  t.deepEqual(snapshot(sentinel), before);
});

test('an image whose /dev is a symlink elsewhere gets its devices made inside its rootfs', async (t) => {
  const { bundle, sentinel, before } = hostileBundle(t, ['sh', '-c', 'echo hidden > /dev/null && head -c 4 /dev/zero | wc -c; readlink /dev'], (rootfs) => {
    replaceWithSymlink(rootfs, 'dev', '/var/../../devices');
  });
  const run = await runCaptured(bundle);
  t.is(run.status.code, 0, run.stderr);
  t.is(run.stdout, '4\n/var/../../devices\n');
  t.deepEqual(snapshot(sentinel), before);
  t.true(fs.statSync(path.join(bundle.rootfs, 'devices')).isDirectory());
});

test('a relative symlink climbing out of the rootfs stays inside it', async (t) => {
  const { bundle, sentinel, before } = hostileBundle(t, ['cat', '/etc/hosts'], (rootfs) => {
    replaceWithSymlink(rootfs, 'etc', '../../../../../../sentinel-climb');
  });
  const run = await runCaptured(bundle);
  t.is(run.status.code, 0, run.stderr);
  t.is(run.stdout, HOSTS);
  t.deepEqual(snapshot(sentinel), before);
  t.true(fs.existsSync(path.join(bundle.rootfs, 'sentinel-climb', 'hosts')));
});
