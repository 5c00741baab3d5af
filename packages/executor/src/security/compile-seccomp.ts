import {
  InvalidArgumentError,
  SCMP_ACT_ALLOW,
  SCMP_ACT_ERRNO_BASE,
  SCMP_ACT_KILL_PROCESS,
  SCMP_ACT_KILL_THREAD,
  SCMP_ACT_LOG,
  SCMP_ACT_TRACE_BASE,
  SCMP_ACT_TRAP,
  SCMP_CMP,
  SeccompFilter,
  seccompSyscallNumber,
  type SeccompCondition,
} from '@layerctl/sys';
import type { Seccomp, SeccompAction, SeccompArg, SeccompOperator, SeccompSyscall } from '../spec/runtime-spec.ts';

/** The errno an SCMP_ACT_ERRNO without errnoRet returns, as runc and crun do. */
const EPERM = 1;
/** The datum of ERRNO and TRACE actions is 16 bits wide. */
const ACTION_DATA_MASK = 0xffff;

/** libseccomp's name for each runtime-spec architecture ('SCMP_ARCH_X86_64' → 'x86_64'). */
const ARCHITECTURES: Readonly<Record<string, string>> = {
  SCMP_ARCH_X86: 'x86',
  SCMP_ARCH_X86_64: 'x86_64',
  SCMP_ARCH_X32: 'x32',
  SCMP_ARCH_ARM: 'arm',
  SCMP_ARCH_AARCH64: 'aarch64',
  SCMP_ARCH_MIPS: 'mips',
  SCMP_ARCH_MIPS64: 'mips64',
  SCMP_ARCH_MIPS64N32: 'mips64n32',
  SCMP_ARCH_MIPSEL: 'mipsel',
  SCMP_ARCH_MIPSEL64: 'mipsel64',
  SCMP_ARCH_MIPSEL64N32: 'mipsel64n32',
  SCMP_ARCH_PPC: 'ppc',
  SCMP_ARCH_PPC64: 'ppc64',
  SCMP_ARCH_PPC64LE: 'ppc64le',
  SCMP_ARCH_S390: 's390',
  SCMP_ARCH_S390X: 's390x',
  SCMP_ARCH_RISCV64: 'riscv64',
};

const OPERATORS: Readonly<Record<SeccompOperator, number>> = {
  SCMP_CMP_NE: SCMP_CMP.NE,
  SCMP_CMP_LT: SCMP_CMP.LT,
  SCMP_CMP_LE: SCMP_CMP.LE,
  SCMP_CMP_EQ: SCMP_CMP.EQ,
  SCMP_CMP_GE: SCMP_CMP.GE,
  SCMP_CMP_GT: SCMP_CMP.GT,
  SCMP_CMP_MASKED_EQ: SCMP_CMP.MASKED_EQ,
};

/** The libseccomp action value for a spec action; errnoRet is the datum of ERRNO (and TRACE). */
export function seccompActionValue(action: SeccompAction, errnoRet?: number): number {
  const datum = (errnoRet ?? EPERM) & ACTION_DATA_MASK;
  switch (action) {
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD':
      return SCMP_ACT_KILL_THREAD;
    case 'SCMP_ACT_KILL_PROCESS':
      return SCMP_ACT_KILL_PROCESS;
    case 'SCMP_ACT_TRAP':
      return SCMP_ACT_TRAP;
    case 'SCMP_ACT_ERRNO':
      return (SCMP_ACT_ERRNO_BASE | datum) >>> 0;
    case 'SCMP_ACT_TRACE':
      return (SCMP_ACT_TRACE_BASE | datum) >>> 0;
    case 'SCMP_ACT_ALLOW':
      return SCMP_ACT_ALLOW;
    case 'SCMP_ACT_LOG':
      return SCMP_ACT_LOG;
    default:
      throw new InvalidArgumentError(`seccomp: unknown action ${JSON.stringify(action)}`);
  }
}

function condition(arg: SeccompArg): SeccompCondition {
  const op = OPERATORS[arg.op];
  if (op === undefined) throw new InvalidArgumentError(`seccomp: unknown operator ${JSON.stringify(arg.op)}`);
  if (!Number.isInteger(arg.index) || arg.index < 0 || arg.index > 5) {
    throw new InvalidArgumentError(`seccomp: argument index ${arg.index} is not 0-5`);
  }
  if (!Number.isSafeInteger(arg.value) || !Number.isSafeInteger(arg.valueTwo ?? 0)) {
    throw new InvalidArgumentError(`seccomp: argument value ${arg.value} is not a whole number JSON can hold exactly`);
  }
  return { arg: arg.index, op, datumA: BigInt(arg.value), datumB: BigInt(arg.valueTwo ?? 0) };
}

/**
 * The condition sets a spec rule becomes. libseccomp refuses two conditions on one argument in a
 * rule; as runc does, such a rule is split into one rule per condition (so they OR, not AND).
 */
function conditionSets(rule: SeccompSyscall): SeccompCondition[][] {
  const conditions = (rule.args ?? []).map(condition);
  const indexes = new Set(conditions.map((c) => c.arg));
  return indexes.size === conditions.length ? [conditions] : conditions.map((c) => [c]);
}

/**
 * The spec's filter compiled by libseccomp to the BPF program the kernel runs. A syscall name
 * this libseccomp does not know is skipped, as runc does (profiles name calls newer than the
 * library). Rules whose action is the default action are skipped too (libseccomp refuses them,
 * and they change nothing).
 */
export function compileSeccomp(seccomp: Seccomp): Buffer {
  const defaultAction = seccompActionValue(seccomp.defaultAction, seccomp.defaultErrnoRet);
  const filter = new SeccompFilter(defaultAction);
  try {
    for (const arch of seccomp.architectures ?? []) {
      const name = ARCHITECTURES[arch];
      if (name === undefined) throw new InvalidArgumentError(`seccomp: unknown architecture ${JSON.stringify(arch)}`);
      filter.addArch(name);
    }
    for (const rule of seccomp.syscalls ?? []) addRule(filter, rule, defaultAction);
    return filter.exportBpf();
  } finally {
    filter.release();
  }
}

function addRule(filter: SeccompFilter, rule: SeccompSyscall, defaultAction: number): void {
  const action = seccompActionValue(rule.action, rule.errnoRet);
  if (action === defaultAction) return;
  for (const name of rule.names) {
    const nr = seccompSyscallNumber(name);
    if (nr === undefined) continue;
    for (const conditions of conditionSets(rule)) filter.addRule(action, nr, conditions, name);
  }
}
