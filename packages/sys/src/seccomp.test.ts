import test from 'ava';
import { InvalidArgumentError, NotSupportedError } from './errors.ts';
import { SCMP_ACT_ALLOW, SCMP_ACT_ERRNO_BASE, SCMP_CMP, SeccompFilter, loadSeccompProgram, seccompSyscallNumber } from './seccomp.ts';

// Filters are built and released here but never loaded: loading is for good (see the executor's tests).
test('syscall names resolve to this architecture numbers; x86-only names to negative pseudo numbers', (t) => {
  t.is(seccompSyscallNumber('read'), 0);
  t.is(seccompSyscallNumber('mount'), 165);
  t.true((seccompSyscallNumber('chown32') ?? 0) < 0);
  t.is(seccompSyscallNumber('no_such_syscall'), undefined);
});

test('a filter takes architectures and rules, with conditions, and is released unloaded', (t) => {
  const filter = new SeccompFilter(SCMP_ACT_ALLOW);
  t.teardown(() => filter.release());
  t.notThrows(() => filter.addArch('x86'));
  t.notThrows(() => filter.addArch('x86_64'));
  t.notThrows(() => filter.addRule(SCMP_ACT_ERRNO_BASE | 1, seccompSyscallNumber('personality') ?? -1, [{ arg: 0, op: SCMP_CMP.EQ, datumA: 8n, datumB: 0n }]));
  t.throws(() => filter.addArch('vax'), { instanceOf: NotSupportedError, message: /vax/ });
});

test('a rule libseccomp refuses is a SysError naming the syscall', (t) => {
  const filter = new SeccompFilter(SCMP_ACT_ALLOW);
  t.teardown(() => filter.release());
  // Two conditions on one argument: libseccomp answers EINVAL.
  const twice = [
    { arg: 0, op: SCMP_CMP.EQ, datumA: 1n, datumB: 0n },
    { arg: 0, op: SCMP_CMP.EQ, datumA: 2n, datumB: 0n },
  ];
  const err = t.throws(() => filter.addRule(SCMP_ACT_ERRNO_BASE | 1, seccompSyscallNumber('personality') ?? -1, twice, 'personality'));
  t.regex(err.message, /seccomp_rule_add personality/);
});

test('a program that is not whole BPF instructions, or too long for the kernel, is refused before any call', (t) => {
  for (const bytes of [0, 7, 12, 8 * 4097]) {
    t.throws(() => loadSeccompProgram(Buffer.alloc(bytes)), { instanceOf: InvalidArgumentError }, String(bytes));
  }
});

test('an exported program ends with a return instruction and is whole instructions', (t) => {
  const filter = new SeccompFilter(SCMP_ACT_ALLOW);
  t.teardown(() => filter.release());
  const program = filter.exportBpf();
  t.true(program.length > 0);
  t.is(program.length % 8, 0);
  // BPF_RET | BPF_K
  t.is(program.readUInt16LE(program.length - 8), 0x06);
});
