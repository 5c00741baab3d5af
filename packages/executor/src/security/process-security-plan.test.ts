import { spawn } from 'node:child_process';
import test from 'ava';
import { capget, FailedPreconditionError, InvalidArgumentError } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import type { Process } from '../spec/runtime-spec.ts';
import { capabilityMask, DEFAULT_CAPABILITIES, formatCapabilityMask } from './capabilities.ts';
import { compileSeccomp } from './compile-seccomp.ts';
import { processSecurityPlan } from './process-security-plan.ts';
import { runProbe } from './testing/run-probe.ts';

/** CapEff of a Docker container's root, as /proc/<pid>/status prints it. */
const DOCKER_CAP_EFF = '00000000a80425fb';
const NONE = '0000000000000000';

function containerProcess(user: Process['user'], extra: Partial<Process> = {}): Process {
  const caps = [...DEFAULT_CAPABILITIES];
  return {
    user,
    args: ['/bin/true'],
    env: [],
    cwd: '/',
    noNewPrivileges: true,
    capabilities: { bounding: caps, effective: caps, permitted: caps },
    ...extra,
  };
}

test('the default set as a mask is what /proc/<pid>/status prints for a Docker container', (t) => {
  t.is(formatCapabilityMask(capabilityMask(DEFAULT_CAPABILITIES)), DOCKER_CAP_EFF);
});

test('root with the default capabilities holds exactly Docker set after the init execs its program', (t) => {
  const report = runProbe({ scratch: scratchDir(t), process: containerProcess({ uid: 0, gid: 0 }) });
  t.is(report.error, undefined);
  for (const status of [report.status]) {
    t.is(status?.['CapEff'], DOCKER_CAP_EFF);
    t.is(status?.['CapPrm'], DOCKER_CAP_EFF);
    t.is(status?.['CapBnd'], DOCKER_CAP_EFF);
    t.is(status?.['CapInh'], NONE);
    t.is(status?.['NoNewPrivs'], '1');
    t.is(status?.['Uid'], '0\t0\t0\t0');
    // layerctl's own supplementary groups are not carried into the container.
    t.is(status?.['Groups'], '');
  }
});

test('a non-root user gets its ids and groups and ends with CapEff 0 after execve', (t) => {
  const report = runProbe({
    scratch: scratchDir(t),
    process: containerProcess({ uid: 1000, gid: 1001, additionalGids: [5, 6] }),
  });
  t.is(report.error, undefined);
  t.is(report.status?.['Uid'], '1000\t1000\t1000\t1000');
  t.is(report.status?.['Gid'], '1001\t1001\t1001\t1001');
  t.is(report.status?.['Groups'], '5 6');
  t.is(report.status?.['CapEff'], NONE);
  t.is(report.status?.['CapPrm'], NONE);
  t.is(report.status?.['CapBnd'], DOCKER_CAP_EFF);
  t.is(report.status?.['NoNewPrivs'], '1');
});

test('an ambient capability stays effective across execve for a non-root user', (t) => {
  const bind = ['CAP_NET_BIND_SERVICE'];
  const base = containerProcess({ uid: 1000, gid: 1000 });
  const report = runProbe({
    scratch: scratchDir(t),
    process: { ...base, capabilities: { ...base.capabilities, inheritable: bind, ambient: bind } },
  });
  t.is(report.error, undefined);
  const mask = formatCapabilityMask(capabilityMask(bind));
  t.is(report.status?.['CapEff'], mask);
  t.is(report.status?.['CapAmb'], mask);
});

test('without no_new_privs the filter is loaded while CAP_SYS_ADMIN is held and the user switch still follows', (t) => {
  const report = runProbe({
    scratch: scratchDir(t),
    seccomp: 'docker-default',
    process: containerProcess({ uid: 1000, gid: 1000 }, { noNewPrivileges: false }),
  });
  t.is(report.error, undefined);
  t.is(report.status?.['Seccomp'], '2');
  t.is(report.status?.['NoNewPrivs'], '0');
  t.is(report.status?.['Uid'], '1000\t1000\t1000\t1000');
  t.is(report.status?.['CapEff'], NONE);
});

test('rlimits of the spec are set on the process', (t) => {
  const report = runProbe({
    scratch: scratchDir(t),
    process: containerProcess({ uid: 0, gid: 0 }, { rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1000, hard: 2000 }] }),
  });
  t.is(report.error, undefined);
  t.is(report.status?.['MaxOpenFiles'], '1000 2000');
});

test('an unknown capability name is refused, naming it, before the init starts', (t) => {
  const base = containerProcess({ uid: 1000, gid: 1000 });
  t.throws(() => processSecurityPlan({ ...base, capabilities: { bounding: ['CAP_CHOWN', 'CAP_MAKE_COFFEE'] } }), {
    instanceOf: InvalidArgumentError,
    message: /CAP_MAKE_COFFEE/,
  });
});

test('a capability layerctl does not hold is refused by name before the init starts', (t) => {
  // This host's root lacks CAP_SYS_RESOURCE already; `held` without it makes that so on any host.
  const caps = [...DEFAULT_CAPABILITIES, 'CAP_SYS_RESOURCE'];
  const held = capget().permitted & ~capabilityMask(['CAP_SYS_RESOURCE']);
  const spec = containerProcess({ uid: 1000, gid: 1000 }, { capabilities: { bounding: caps, effective: caps, permitted: caps } });
  t.throws(() => processSecurityPlan(spec, undefined, held), { instanceOf: FailedPreconditionError, message: /CAP_SYS_RESOURCE/ });
});

test('effective outside permitted, and ambient outside inheritable, are refused before the init starts', (t) => {
  const base = containerProcess({ uid: 1000, gid: 1000 });
  t.throws(() => processSecurityPlan({ ...base, capabilities: { effective: ['CAP_KILL'], permitted: ['CAP_CHOWN'] } }), {
    instanceOf: InvalidArgumentError,
    message: /CAP_KILL/,
  });
  t.throws(() => processSecurityPlan({ ...base, capabilities: { permitted: ['CAP_KILL'], ambient: ['CAP_KILL'] } }), {
    instanceOf: InvalidArgumentError,
    message: /CAP_KILL/,
  });
});

test('a seccomp filter that cannot be built is refused before the init starts', (t) => {
  t.throws(() => compileSeccomp({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_PDP11'] }), {
    instanceOf: InvalidArgumentError,
    message: /SCMP_ARCH_PDP11/,
  });
});

test('the steps come in the order that lets each succeed: no_new_privs, bounding, user, capabilities, then the filter', (t) => {
  const program = compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW' });
  const names = (p: Process) => processSecurityPlan(p, program).map((op) => op.op);
  t.deepEqual(names(containerProcess({ uid: 0, gid: 0 })), ['no_new_privs', 'drop_bounding', 'switch_user', 'capabilities', 'seccomp']);
  // Without no_new_privs the filter goes in while CAP_SYS_ADMIN is still held.
  t.deepEqual(names(containerProcess({ uid: 0, gid: 0 }, { noNewPrivileges: false })), ['drop_bounding', 'seccomp', 'switch_user', 'capabilities']);
});

test('the umask of the spec is set', (t) => {
  const report = runProbe({ scratch: scratchDir(t), process: containerProcess({ uid: 0, gid: 0, umask: 0o027 }) });
  t.is(report.status?.['Umask'], '0027');
});

test('in a default container, ptrace of a process outside it is refused', (t) => {
  const target = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
  t.teardown(() => {
    target.kill('SIGKILL');
  });
  const report = runProbe({
    scratch: scratchDir(t),
    seccomp: 'docker-default',
    ptraceTarget: target.pid ?? -1,
    process: containerProcess({ uid: 0, gid: 0 }),
  });
  t.is(report.error, undefined);
  t.is(report.probes?.['ptraceAttach'], 'EPERM');
});
