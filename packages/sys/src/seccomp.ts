import { NotSupportedError, SysError } from './errors.ts';
import { lazyBinding } from './libc.ts';

/**
 * libseccomp (libseccomp.so.2, Debian's libseccomp2) through koffi: a filter context is built
 * rule by rule and compiled to BPF by seccomp_load. The calls return a negative errno on failure
 * (seccomp_init returns NULL), which becomes a SysError naming the call.
 */
const LIBSECCOMP = 'libseccomp.so.2';

/** Action values from <seccomp.h>; ERRNO and TRACE carry a 16-bit datum in their low bits. */
export const SCMP_ACT_KILL_PROCESS = 0x80000000;
export const SCMP_ACT_KILL_THREAD = 0x00000000;
export const SCMP_ACT_TRAP = 0x00030000;
export const SCMP_ACT_ERRNO_BASE = 0x00050000;
export const SCMP_ACT_TRACE_BASE = 0x7ff00000;
export const SCMP_ACT_LOG = 0x7ffc0000;
export const SCMP_ACT_ALLOW = 0x7fff0000;

/** enum scmp_compare. */
export const SCMP_CMP = {
  NE: 1,
  LT: 2,
  LE: 3,
  EQ: 4,
  GE: 5,
  GT: 6,
  MASKED_EQ: 7,
} as const;

/** enum scmp_filter_attr: SCMP_FLTATR_CTL_NNP decides whether seccomp_load sets no_new_privs itself. */
export const SCMP_FLTATR_CTL_NNP = 3;

/** One `struct scmp_arg_cmp`: { unsigned int arg; enum scmp_compare op; u64 datum_a, datum_b }. */
export interface SeccompCondition {
  arg: number;
  op: number;
  datumA: bigint;
  datumB: bigint;
}
const ARG_CMP_BYTES = 24;

/** An opaque scmp_filter_ctx as koffi hands it back. */
type FilterContext = object;

interface SeccompBinding {
  seccomp_init(defaultAction: number): FilterContext | null;
  seccomp_release(ctx: FilterContext): void;
  seccomp_arch_resolve_name(name: string): number;
  seccomp_arch_add(ctx: FilterContext, arch: number): number;
  seccomp_syscall_resolve_name(name: string): number;
  seccomp_rule_add_array(ctx: FilterContext, action: number, syscall: number, count: number, args: Buffer | null): number;
  seccomp_attr_set(ctx: FilterContext, attr: number, value: number): number;
  seccomp_load(ctx: FilterContext): number;
}

const binding = lazyBinding<SeccompBinding>(
  (lib) => ({
    seccomp_init: lib.func('void *seccomp_init(uint32_t def_action)'),
    seccomp_release: lib.func('void seccomp_release(void *ctx)'),
    seccomp_arch_resolve_name: lib.func('uint32_t seccomp_arch_resolve_name(const char *arch_name)'),
    seccomp_arch_add: lib.func('int seccomp_arch_add(void *ctx, uint32_t arch_token)'),
    seccomp_syscall_resolve_name: lib.func('int seccomp_syscall_resolve_name(const char *name)'),
    seccomp_rule_add_array: lib.func(
      'int seccomp_rule_add_array(void *ctx, uint32_t action, int syscall, unsigned int arg_cnt, const void *arg_array)',
    ),
    seccomp_attr_set: lib.func('int seccomp_attr_set(void *ctx, int attr, uint32_t value)'),
    seccomp_load: lib.func('int seccomp_load(void *ctx)'),
  }),
  LIBSECCOMP,
);

/** __NR_SCMP_ERROR: the name is in none of libseccomp's syscall tables. */
const NR_SCMP_ERROR = -1;
const EEXIST = 17;
const EINVAL = 22;
const EBADF = 9;

function encodeConditions(conditions: readonly SeccompCondition[]): Buffer {
  const buf = Buffer.alloc(ARG_CMP_BYTES * conditions.length);
  conditions.forEach((c, i) => {
    const at = i * ARG_CMP_BYTES;
    buf.writeUInt32LE(c.arg, at);
    buf.writeUInt32LE(c.op, at + 4);
    buf.writeBigUInt64LE(BigInt.asUintN(64, c.datumA), at + 8);
    buf.writeBigUInt64LE(BigInt.asUintN(64, c.datumB), at + 16);
  });
  return buf;
}

function checkNeg(ret: number, call: string, what?: string): void {
  if (ret < 0) throw new SysError(call, -ret, what);
}

/** The syscall number libseccomp knows for `name` (negative pseudo numbers for other-arch-only calls), or undefined. */
export function seccompSyscallNumber(name: string): number | undefined {
  const nr = binding().seccomp_syscall_resolve_name(name);
  return nr === NR_SCMP_ERROR ? undefined : nr;
}

/**
 * A filter under construction. Call release() when done, loaded or not; the filter stays in
 * force on the thread that loaded it after release.
 */
export class SeccompFilter {
  #ctx: FilterContext | undefined;

  constructor(defaultAction: number) {
    const ctx = binding().seccomp_init(defaultAction);
    if (ctx === null) throw new SysError('seccomp_init', EINVAL, `default action 0x${defaultAction.toString(16)}`);
    this.#ctx = ctx;
  }

  #context(): FilterContext {
    if (this.#ctx === undefined) throw new SysError('seccomp', EBADF, 'filter already released');
    return this.#ctx;
  }

  /** Adds an architecture by libseccomp's name ('x86_64', 'x86', 'x32', 'aarch64'); the native one is already present. */
  addArch(name: string): void {
    const token = binding().seccomp_arch_resolve_name(name);
    if (token === 0) throw new NotSupportedError(`seccomp: libseccomp does not know the architecture ${name}`);
    const ret = binding().seccomp_arch_add(this.#context(), token);
    if (ret !== -EEXIST) checkNeg(ret, 'seccomp_arch_add', name);
  }

  /** seccomp_rule_add_array: `action` for syscall `nr` when every condition holds (at most one per argument). */
  addRule(action: number, nr: number, conditions: readonly SeccompCondition[], name = String(nr)): void {
    const args = conditions.length === 0 ? null : encodeConditions(conditions);
    checkNeg(binding().seccomp_rule_add_array(this.#context(), action, nr, conditions.length, args), 'seccomp_rule_add', name);
  }

  setAttribute(attr: number, value: number): void {
    checkNeg(binding().seccomp_attr_set(this.#context(), attr, value), 'seccomp_attr_set', `attribute ${attr}`);
  }

  /**
   * Compiles and installs the filter on the calling thread (only; no TSYNC): the thread must
   * have no_new_privs or CAP_SYS_ADMIN, else the kernel answers EACCES.
   */
  load(): void {
    checkNeg(binding().seccomp_load(this.#context()), 'seccomp_load');
  }

  release(): void {
    if (this.#ctx !== undefined) binding().seccomp_release(this.#ctx);
    this.#ctx = undefined;
  }
}
