import test from 'ava';
import { DEFAULT_CAPABILITIES } from '../security/capabilities.ts';
import { TEST_SPEC_OPTIONS } from '../testing/spec-options.ts';
import { containerSpec } from './container-spec.ts';
import { parseSpec } from './read-spec.ts';

const OPTIONS = TEST_SPEC_OPTIONS;

test("Docker's defaults: namespaces, mounts in order with the caller's last, masked and read-only /proc paths, caps, seccomp", (t) => {
  const spec = containerSpec(OPTIONS);
  t.deepEqual(spec.linux.namespaces.map((n) => n.type).sort(), ['cgroup', 'ipc', 'mount', 'network', 'pid', 'uts']);
  t.deepEqual(spec.mounts.map((m) => m.destination), ['/proc', '/dev', '/dev/pts', '/sys', '/sys/fs/cgroup', '/dev/mqueue', '/dev/shm', '/etc/hosts']);
  t.true(spec.linux.maskedPaths?.includes('/proc/kcore'));
  t.true(spec.linux.readonlyPaths?.includes('/proc/sys'));
  t.deepEqual(spec.process.capabilities?.bounding, [...DEFAULT_CAPABILITIES]);
  t.is(spec.linux.seccomp?.defaultAction, 'SCMP_ACT_ERRNO');
  t.is(spec.linux.resources?.devices?.[0]?.allow, false);
  t.is(spec.linux.sysctl?.['net.ipv4.ip_unprivileged_port_start'], '0');
  t.is(spec.process.noNewPrivileges, true);
});

test('host networking keeps the host network namespace and sets no network sysctl; a netns path is joined', (t) => {
  const host = containerSpec({ ...OPTIONS, network: 'host' });
  t.false(host.linux.namespaces.some((n) => n.type === 'network'));
  t.is(host.linux.sysctl, undefined);
  const joined = containerSpec({ ...OPTIONS, network: { path: '/run/netns/x' } });
  t.deepEqual(joined.linux.namespaces.find((n) => n.type === 'network'), { type: 'network', path: '/run/netns/x' });
});

test('what containerSpec writes passes readSpec, and a wrong field is named by its path', (t) => {
  const spec = containerSpec(OPTIONS);
  t.deepEqual(parseSpec(JSON.parse(JSON.stringify(spec)), 'config.json'), spec);
  const bad = JSON.parse(JSON.stringify({ ...spec, process: { ...spec.process, args: ['sh', 3] } }));
  t.throws(() => parseSpec(bad, 'b/config.json'), { message: 'b/config.json: config.process.args[1] must be a string' });
  const empty = JSON.parse(JSON.stringify({ ...spec, process: { ...spec.process, args: [] } }));
  t.throws(() => parseSpec(empty, 'c'), { message: 'c: config.process.args must be a non-empty array' });
  t.throws(() => parseSpec({ ...spec, linux: undefined }, 'd'), { message: 'd: config.linux must be present' });
  const relative = JSON.parse(JSON.stringify({ ...spec, process: { ...spec.process, cwd: 'work' } }));
  t.throws(() => parseSpec(relative, 'e'), { message: 'e: config.process.cwd must be an absolute path' });
  const unknown = JSON.parse(JSON.stringify({ ...spec, linux: { ...spec.linux, namespaces: [{ type: 'pidd' }] } }));
  t.throws(() => parseSpec(unknown, 'f'), { message: /^f: config.linux.namespaces\[0\].type must be one of pid, network/ });
});
