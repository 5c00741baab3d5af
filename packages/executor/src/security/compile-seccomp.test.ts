import test from 'ava';
import { InvalidArgumentError, SCMP_ACT_ALLOW, SCMP_ACT_KILL_PROCESS } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { DEFAULT_CAPABILITIES } from './capabilities.ts';
import { seccompActionValue } from './compile-seccomp.ts';
import { runProbe } from './testing/run-probe.ts';

const PER_LINUX = 0;
const ADDR_NO_RANDOMIZE = 0x0040000;
const EACCES = 13;
const CAP_SYS_ADMIN = 21;

test("without a filter the probes reach the kernel (so an EPERM below is the filter's)", (t) => {
  const report = runProbe({ scratch: scratchDir(t) });
  t.is(report.probes?.['mount'], 'ENOENT');
  t.is(report.probes?.['cloneNewns'], 'EINVAL');
  t.is(report.probes?.['unshare'], 'ok');
  t.is(report.probes?.['personalityNoRandomize'], 'ok');
  t.is(report.status?.['Seccomp'], '0');
});

test("Docker's default profile refuses mount, unshare, keyctl, add_key, namespace clones and AF_VSOCK even to a process holding CAP_SYS_ADMIN", (t) => {
  const report = runProbe({ scratch: scratchDir(t), seccomp: 'docker-default', seccompCaps: [...DEFAULT_CAPABILITIES] });
  t.is(report.error, undefined);
  t.is(report.status?.['Seccomp'], '2');
  const capEff = BigInt(`0x${report.status?.['CapEff'] ?? '0'}`);
  t.is((capEff >> BigInt(CAP_SYS_ADMIN)) & 1n, 1n);
  for (const probe of ['mount', 'unshare', 'keyctl', 'addKey', 'cloneNewns', 'socketVsock', 'personalityNoRandomize']) {
    t.is(report.probes?.[probe], 'EPERM', probe);
  }
});

test("under Docker's default profile ordinary calls work: files, processes (clone without namespaces, execve), allowed personality values", (t) => {
  const report = runProbe({ scratch: scratchDir(t), seccomp: 'docker-default' });
  for (const probe of ['readFile', 'spawnTrue', 'personalityQuery', 'personalityLinux']) {
    t.is(report.probes?.[probe], 'ok', probe);
  }
  t.is(report.status?.['Seccomp'], '2');
});

test('a syscall name this libseccomp does not know is skipped; errnoRet is what the call returns', (t) => {
  const report = runProbe({
    scratch: scratchDir(t),
    seccomp: {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['no_such_syscall_at_all', 'keyctl'], action: 'SCMP_ACT_ERRNO', errnoRet: EACCES }],
    },
  });
  t.is(report.error, undefined);
  t.is(report.probes?.['keyctl'], 'EACCES');
  t.is(report.probes?.['unshare'], 'ok');
});

test('two conditions on one argument are split into two rules, so either value matches', (t) => {
  const report = runProbe({
    scratch: scratchDir(t),
    seccomp: {
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
      syscalls: [
        {
          names: ['personality'],
          action: 'SCMP_ACT_ERRNO',
          args: [
            { index: 0, value: PER_LINUX, op: 'SCMP_CMP_EQ' },
            { index: 0, value: ADDR_NO_RANDOMIZE, op: 'SCMP_CMP_EQ' },
          ],
        },
      ],
    },
  });
  t.is(report.error, undefined);
  t.is(report.probes?.['personalityLinux'], 'EPERM');
  t.is(report.probes?.['personalityNoRandomize'], 'EPERM');
  t.is(report.probes?.['personalityQuery'], 'ok');
});

test('an unknown architecture is refused before anything is loaded', (t) => {
  t.throws(() => runProbe({ scratch: scratchDir(t), seccomp: { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_VAX'] } }), {
    instanceOf: InvalidArgumentError,
    message: /SCMP_ARCH_VAX/,
  });
});

test('actions map to libseccomp values; ERRNO carries its errno, EPERM by default', (t) => {
  t.is(seccompActionValue('SCMP_ACT_ALLOW'), SCMP_ACT_ALLOW);
  t.is(seccompActionValue('SCMP_ACT_KILL_PROCESS'), SCMP_ACT_KILL_PROCESS);
  t.is(seccompActionValue('SCMP_ACT_KILL'), 0);
  t.is(seccompActionValue('SCMP_ACT_ERRNO'), 0x00050001);
  t.is(seccompActionValue('SCMP_ACT_ERRNO', 38), 0x00050026);
  t.throws(() => seccompActionValue('SCMP_ACT_NOTIFY' as never), { instanceOf: InvalidArgumentError });
});
