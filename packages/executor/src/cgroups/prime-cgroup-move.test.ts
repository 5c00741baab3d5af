import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { CgroupHost } from './cgroup-host.ts';
import { detectCgroups } from './detect-cgroups.ts';
import { primeCgroupMove } from './prime-cgroup-move.ts';

// Serial: a primer under way is shared by every call meanwhile, whatever host each names.

function scratch(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync('/dev/shm/layerctl-test-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A host whose only hierarchy is `mount`, holding the controller this process's cpu line names. */
function hostAt(mount: string): CgroupHost {
  const line = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => /^\d+:[^:]+:\//.test(l));
  const controllers = line?.split(':')[1] ?? 'cpu';
  return new CgroupHost({ version: 'v1', v1: new Map(controllers.split(',').map((c) => [c, mount])) });
}

test.serial('priming leaves this process in the cgroups it was in', async (t) => {
  const before = fs.readFileSync('/proc/self/cgroup', 'utf8');
  await primeCgroupMove(detectCgroups());
  t.is(fs.readFileSync('/proc/self/cgroup', 'utf8'), before);
});

test.serial('a cgroup.procs that does not list this process is never written', async (t) => {
  const mount = scratch(t);
  const own = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => /^\d+:[^:]+:\//.test(l))?.split(':')[2] ?? '/';
  fs.mkdirSync(path.join(mount, own), { recursive: true });
  const procs = path.join(mount, own, 'cgroup.procs');
  fs.writeFileSync(procs, '1\n2\n');
  await primeCgroupMove(hostAt(mount));
  t.is(fs.readFileSync(procs, 'utf8'), '1\n2\n');
});

test.serial('the write goes to the cgroup.procs that lists this process, and names this process', async (t) => {
  const mount = scratch(t);
  const own = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => /^\d+:[^:]+:\//.test(l))?.split(':')[2] ?? '/';
  fs.mkdirSync(path.join(mount, own), { recursive: true });
  const procs = path.join(mount, own, 'cgroup.procs');
  // A plain file, not the kernel's: the write lands at its start, over the listing.
  fs.writeFileSync(procs, `1\n${process.pid}\n`);
  await primeCgroupMove(hostAt(mount));
  t.true(fs.readFileSync(procs, 'utf8').startsWith(String(process.pid)));
});

test.serial('a host where this process is in no listed hierarchy primes nothing and resolves', async (t) => {
  await t.notThrowsAsync(primeCgroupMove(new CgroupHost({ version: 'v1', v1: new Map([['no-such-controller', scratch(t)]]) })));
});

test.serial('a call while a primer waits shares it instead of writing again', async (t) => {
  const mount = scratch(t);
  const own = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => /^\d+:[^:]+:\//.test(l))?.split(':')[2] ?? '/';
  fs.mkdirSync(path.join(mount, own), { recursive: true });
  const procs = path.join(mount, own, 'cgroup.procs');
  fs.writeFileSync(procs, `${process.pid}\n`);
  const first = primeCgroupMove(hostAt(mount));
  t.is(primeCgroupMove(hostAt(mount)), first);
  await first;
  t.not(primeCgroupMove(hostAt(mount)), first);
});
