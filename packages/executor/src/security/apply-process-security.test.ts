import { spawn } from 'node:child_process';
import fs from 'node:fs';
import test, { type ExecutionContext } from 'ava';
import { scratchDir } from '@layerctl/sys/testing';
import type { Process } from '../spec/runtime-spec.ts';
import { capabilityMask, DEFAULT_CAPABILITIES, formatCapabilityMask } from './capabilities.ts';
import { runProbe } from './testing/run-probe.ts';

/** CapEff of a Docker container's root, as /proc/<pid>/status prints it. */
const DOCKER_CAP_EFF = '00000000a80425fb';
const NONE = '0000000000000000';
/** The bounding set this test process (root) holds, as /proc prints it. */
const HOST_BOUNDING = /^CapBnd:\s*(\w+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '';

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

test('root with the default capabilities holds exactly Docker set, before and after execve', (t) => {
  const report = runProbe({ scratch: scratchDir(t), process: containerProcess({ uid: 0, gid: 0 }) });
  t.is(report.error, undefined);
  for (const status of [report.self, report.afterExec]) {
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
  t.is(report.afterExec?.['Uid'], '1000\t1000\t1000\t1000');
  t.is(report.afterExec?.['Gid'], '1001\t1001\t1001\t1001');
  t.is(report.afterExec?.['Groups'], '5 6');
  t.is(report.afterExec?.['CapEff'], NONE);
  t.is(report.afterExec?.['CapPrm'], NONE);
  t.is(report.afterExec?.['CapBnd'], DOCKER_CAP_EFF);
  t.is(report.afterExec?.['NoNewPrivs'], '1');
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
  t.is(report.afterExec?.['CapEff'], mask);
  t.is(report.afterExec?.['CapAmb'], mask);
});

test('without no_new_privs the filter is loaded while CAP_SYS_ADMIN is held and the user switch still follows', (t) => {
  const report = runProbe({
    scratch: scratchDir(t),
    seccomp: 'docker-default',
    process: containerProcess({ uid: 1000, gid: 1000 }, { noNewPrivileges: false }),
  });
  t.is(report.error, undefined);
  t.is(report.afterExec?.['Seccomp'], '2');
  t.is(report.afterExec?.['NoNewPrivs'], '0');
  t.is(report.afterExec?.['Uid'], '1000\t1000\t1000\t1000');
  t.is(report.afterExec?.['CapEff'], NONE);
});

test('rlimits of the spec are set on the process', (t) => {
  const report = runProbe({
    scratch: scratchDir(t),
    process: containerProcess({ uid: 0, gid: 0 }, { rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1000, hard: 2000 }] }),
  });
  t.is(report.error, undefined);
  t.is(report.self?.['MaxOpenFiles'], '1000 2000');
});

/** The process is as it started: root, nothing dropped, no no_new_privs. */
function untouched(t: ExecutionContext, status: Record<string, string> | undefined): void {
  t.is(status?.['Uid'], '0\t0\t0\t0');
  t.is(status?.['NoNewPrivs'], '0');
  t.is(status?.['CapBnd'], HOST_BOUNDING);
}

test('an unknown capability name is refused, naming it, before anything changes', (t) => {
  const base = containerProcess({ uid: 1000, gid: 1000 });
  const report = runProbe({
    scratch: scratchDir(t),
    process: { ...base, capabilities: { bounding: ['CAP_CHOWN', 'CAP_MAKE_COFFEE'] } },
  });
  t.is(report.error?.name, 'InvalidArgumentError');
  t.regex(report.error?.message ?? '', /CAP_MAKE_COFFEE/);
  untouched(t, report.self);
});

test('a capability layerctl does not hold is refused by name before anything changes', (t) => {
  // This host's root lacks CAP_SYS_RESOURCE already; notHeld makes that so on any host.
  const caps = [...DEFAULT_CAPABILITIES, 'CAP_SYS_RESOURCE'];
  const report = runProbe({
    scratch: scratchDir(t),
    notHeld: ['CAP_SYS_RESOURCE'],
    process: containerProcess({ uid: 1000, gid: 1000 }, { capabilities: { bounding: caps, effective: caps, permitted: caps } }),
  });
  t.is(report.error?.name, 'FailedPreconditionError');
  t.regex(report.error?.message ?? '', /CAP_SYS_RESOURCE/);
  untouched(t, report.self);
});

test('effective outside permitted, and ambient outside inheritable, are refused before anything changes', (t) => {
  const base = containerProcess({ uid: 1000, gid: 1000 });
  const wrongEffective = runProbe({
    scratch: scratchDir(t),
    process: { ...base, capabilities: { effective: ['CAP_KILL'], permitted: ['CAP_CHOWN'] } },
  });
  t.is(wrongEffective.error?.name, 'InvalidArgumentError');
  t.regex(wrongEffective.error?.message ?? '', /CAP_KILL/);
  untouched(t, wrongEffective.self);
  const wrongAmbient = runProbe({
    scratch: scratchDir(t),
    process: { ...base, capabilities: { permitted: ['CAP_KILL'], ambient: ['CAP_KILL'] } },
  });
  t.is(wrongAmbient.error?.name, 'InvalidArgumentError');
  t.regex(wrongAmbient.error?.message ?? '', /CAP_KILL/);
  untouched(t, wrongAmbient.self);
});

test('a seccomp filter that cannot be built is refused before anything changes', (t) => {
  const report = runProbe({
    scratch: scratchDir(t),
    seccomp: { defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_PDP11'] },
    process: containerProcess({ uid: 1000, gid: 1000 }),
  });
  t.is(report.error?.name, 'InvalidArgumentError');
  t.regex(report.error?.message ?? '', /SCMP_ARCH_PDP11/);
  untouched(t, report.self);
  t.is(report.self?.['Seccomp'], '0');
});

test('the umask of the spec is set', (t) => {
  const report = runProbe({ scratch: scratchDir(t), process: containerProcess({ uid: 0, gid: 0, umask: 0o027 }) });
  t.is(report.afterExec?.['Umask'], '0027');
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
