import fs from 'node:fs';
import { check } from './check.ts';
import { InvalidArgumentError, NotSupportedError, SysError } from './errors.ts';
import { lazyBinding } from './libc.ts';

/**
 * libseccomp (libseccomp.so.2, Debian's libseccomp2) through koffi: a filter context is built
 * rule by rule and exported as the BPF program the kernel runs, which loadSeccompProgram
 * installs (what seccomp_load does, minus rebuilding it each time). The calls return a negative
 * errno on failure (seccomp_init returns NULL), which becomes a SysError naming the call.
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
  seccomp_export_bpf(ctx: FilterContext, fd: number): number;
  version(): string;
}

const binding = lazyBinding<SeccompBinding>(
  (lib, koffi) => ({
    seccomp_init: lib.func('void *seccomp_init(uint32_t def_action)'),
    seccomp_release: lib.func('void seccomp_release(void *ctx)'),
    seccomp_arch_resolve_name: lib.func('uint32_t seccomp_arch_resolve_name(const char *arch_name)'),
    seccomp_arch_add: lib.func('int seccomp_arch_add(void *ctx, uint32_t arch_token)'),
    seccomp_syscall_resolve_name: lib.func('int seccomp_syscall_resolve_name(const char *name)'),
    seccomp_rule_add_array: lib.func(
      'int seccomp_rule_add_array(void *ctx, uint32_t action, int syscall, unsigned int arg_cnt, const void *arg_array)',
    ),
    seccomp_export_bpf: lib.func('int seccomp_export_bpf(void *ctx, int fd)'),
    version: () => {
      // const struct scmp_version { unsigned int major, minor, micro; } *seccomp_version(void)
      const seccompVersion = lib.func('const void *seccomp_version(void)');
      const parts: ArrayLike<number> = koffi.decode(seccompVersion(), 'uint32_t', 3);
      return Array.from(parts).join('.');
    },
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

/** The version of the libseccomp in use ("2.5.4"): compiled programs depend on it. */
export function libseccompVersion(): string {
  return binding().version();
}

/** The syscall number libseccomp knows for `name` (negative pseudo numbers for other-arch-only calls), or undefined. */
export function seccompSyscallNumber(name: string): number | undefined {
  const nr = binding().seccomp_syscall_resolve_name(name);
  return nr === NR_SCMP_ERROR ? undefined : nr;
}

/** A filter under construction. Call release() when done with it. */
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

  /**
   * The filter compiled to the BPF program seccomp(2) takes (an array of 8-byte struct
   * sock_filter), through a memfd: libseccomp 2.5 exports only to a file descriptor.
   */
  exportBpf(): Buffer {
    const fd = check(libcBinding().memfd_create('layerctl-seccomp', MFD_CLOEXEC), 'memfd_create');
    try {
      checkNeg(binding().seccomp_export_bpf(this.#context(), fd), 'seccomp_export_bpf');
      const program = Buffer.alloc(fs.fstatSync(fd).size);
      fs.readSync(fd, program, 0, program.length, 0);
      return program;
    } finally {
      fs.closeSync(fd);
    }
  }

  release(): void {
    if (this.#ctx !== undefined) binding().seccomp_release(this.#ctx);
    this.#ctx = undefined;
  }
}

/** struct sock_filter is 8 bytes; the kernel takes at most BPF_MAXINSNS (4096) of them per filter. */
const SOCK_FILTER_BYTES = 8;
const BPF_MAXINSNS = 4096;
/** struct sock_fprog: unsigned short len, padding, then the pointer to the instructions. */
const SOCK_FPROG_BYTES = 16;
const PR_SET_SECCOMP = 22;
const SECCOMP_MODE_FILTER = 2;
const MFD_CLOEXEC = 1;

interface LoadBinding {
  prctl(option: number, ...typedArgs: unknown[]): number;
  memfd_create(name: string, flags: number): number;
  /** Where a Buffer's bytes are; they stay put while a synchronous call runs. */
  address(bytes: Buffer): bigint;
}

const libcBinding = lazyBinding<LoadBinding>((lib, koffi) => ({
  prctl: lib.func('int prctl(int option, ...)'),
  memfd_create: lib.func('int memfd_create(const char *name, unsigned int flags)'),
  address: (bytes) => koffi.address(bytes),
}));

/**
 * Installs a compiled filter (exportBpf's program) on the calling thread, as seccomp_load
 * would: prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER) with no flags. The thread needs
 * no_new_privs or CAP_SYS_ADMIN, else EACCES. Loading a program instead of building the filter
 * again saves libseccomp's work (tens of milliseconds for Docker's profile through koffi).
 */
export function loadSeccompProgram(program: Buffer): void {
  const instructions = program.length / SOCK_FILTER_BYTES;
  if (!Number.isInteger(instructions) || instructions < 1 || instructions > BPF_MAXINSNS) {
    throw new InvalidArgumentError(
      `seccomp: a program of ${program.length} bytes is not 1 to ${BPF_MAXINSNS} BPF instructions of ${SOCK_FILTER_BYTES} bytes`,
    );
  }
  const { prctl, address } = libcBinding();
  const fprog = Buffer.alloc(SOCK_FPROG_BYTES);
  fprog.writeUInt16LE(instructions, 0);
  fprog.writeBigUInt64LE(address(program), 8);
  const ul = 'unsigned long';
  check(prctl(PR_SET_SECCOMP, ul, SECCOMP_MODE_FILTER, 'void *', fprog, ul, 0, ul, 0), 'prctl', 'PR_SET_SECCOMP');
}
