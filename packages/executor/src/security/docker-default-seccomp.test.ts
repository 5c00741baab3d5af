import test from 'ava';
import type { Seccomp } from '../spec/runtime-spec.ts';
import { DEFAULT_CAPABILITIES } from './capabilities.ts';
import { dockerDefaultSeccomp } from './docker-default-seccomp.ts';

const X64 = { arch: 'x64', kernel: '6.18.44' };
const CLONE_NAMESPACE_FLAGS = 0x7e020000;

function rulesFor(seccomp: Seccomp, name: string) {
  return (seccomp.syscalls ?? []).filter((r) => r.names.includes(name));
}

test('the default profile refuses with EPERM and covers x86_64, x86 and x32', (t) => {
  const seccomp = dockerDefaultSeccomp(DEFAULT_CAPABILITIES, X64);
  t.is(seccomp.defaultAction, 'SCMP_ACT_ERRNO');
  t.is(seccomp.defaultErrnoRet, 1);
  t.deepEqual(seccomp.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
});

test('with the default capabilities, mount, unshare, setns, keyctl, add_key are not allowed', (t) => {
  const seccomp = dockerDefaultSeccomp(DEFAULT_CAPABILITIES, X64);
  for (const name of ['mount', 'umount2', 'unshare', 'setns', 'keyctl', 'add_key', 'request_key', 'bpf', 'init_module', 'reboot', 'io_uring_setup', 'open_by_handle_at']) {
    t.deepEqual(rulesFor(seccomp, name), [], name);
  }
  for (const name of ['read', 'execve', 'openat', 'capset', 'setresuid', 'arch_prctl', 'chroot']) {
    t.is(rulesFor(seccomp, name)[0]?.action, 'SCMP_ACT_ALLOW', name);
  }
});

test('clone is allowed only without namespace flags, and clone3 answers ENOSYS so libc falls back to clone', (t) => {
  const seccomp = dockerDefaultSeccomp(DEFAULT_CAPABILITIES, X64);
  t.deepEqual(rulesFor(seccomp, 'clone'), [
    {
      names: ['clone'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
    },
  ]);
  t.deepEqual(rulesFor(seccomp, 'clone3'), [{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }]);
});

test('CAP_SYS_ADMIN brings mount, unshare, setns and unrestricted clone, and drops the clone3 ENOSYS rule', (t) => {
  const seccomp = dockerDefaultSeccomp([...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN'], X64);
  for (const name of ['mount', 'unshare', 'setns', 'clone', 'clone3']) {
    const rules = rulesFor(seccomp, name);
    t.is(rules.length, 1, name);
    t.is(rules[0]?.action, 'SCMP_ACT_ALLOW', name);
    t.is(rules[0]?.args, undefined, name);
  }
});

test('syscalls gated by other capabilities follow them', (t) => {
  const ptraceCaps = dockerDefaultSeccomp([...DEFAULT_CAPABILITIES, 'CAP_SYS_PTRACE'], X64);
  t.true(rulesFor(ptraceCaps, 'kcmp').length > 0);
  t.deepEqual(rulesFor(dockerDefaultSeccomp(DEFAULT_CAPABILITIES, X64), 'kcmp'), []);
  t.true(rulesFor(dockerDefaultSeccomp(['CAP_SYS_TIME'], X64), 'settimeofday').length > 0);
  t.deepEqual(rulesFor(dockerDefaultSeccomp([], X64), 'chroot'), []);
});

test('personality is allowed for the five values Docker lists only', (t) => {
  const values = rulesFor(dockerDefaultSeccomp(DEFAULT_CAPABILITIES, X64), 'personality').map((r) => r.args?.[0]?.value);
  t.deepEqual(values, [0x0, 0x0008, 0x20000, 0x20008, 0xffffffff]);
});

test('ptrace is allowed from kernel 4.8 on, where seccomp can no longer be bypassed through it', (t) => {
  t.true(rulesFor(dockerDefaultSeccomp(DEFAULT_CAPABILITIES, X64), 'ptrace').length > 0);
  t.deepEqual(rulesFor(dockerDefaultSeccomp(DEFAULT_CAPABILITIES, { arch: 'x64', kernel: '4.4.0-210-generic' }), 'ptrace'), []);
});

test('architecture rules follow the host: arch_prctl on x86_64, the ARM calls on arm64', (t) => {
  const arm = dockerDefaultSeccomp(DEFAULT_CAPABILITIES, { arch: 'arm64', kernel: '6.1' });
  t.deepEqual(arm.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  t.deepEqual(rulesFor(arm, 'arch_prctl'), []);
  t.true(rulesFor(arm, 'set_tls').length > 0);
  t.deepEqual(rulesFor(dockerDefaultSeccomp(DEFAULT_CAPABILITIES, X64), 'set_tls'), []);
});

test('each call returns a fresh object the caller may change', (t) => {
  const a = dockerDefaultSeccomp(DEFAULT_CAPABILITIES, X64);
  a.syscalls?.[0]?.names.push('mount');
  t.deepEqual(rulesFor(dockerDefaultSeccomp(DEFAULT_CAPABILITIES, X64), 'mount'), []);
});
