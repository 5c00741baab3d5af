import { check } from './check.ts';
import { SysError } from './errors.ts';
import { lastErrno, lazyBinding } from './libc.ts';

/**
 * bpf(2): loading an eBPF program and attaching it to a cgroup. glibc has no wrapper, so the call
 * goes through syscall(2) with the number of this architecture. Only what cgroup v2 device
 * control needs is here: BPF_PROG_LOAD of a BPF_PROG_TYPE_CGROUP_DEVICE program and
 * BPF_PROG_ATTACH of it to a cgroup directory's descriptor.
 */

/** __NR_bpf: x86_64 and arm64 (the generic table). */
const SYS_BPF: Partial<Record<string, number>> = { x64: 321, arm64: 280 };
const BPF_PROG_LOAD = 5;
const BPF_PROG_ATTACH = 8;
/** The program type that decides device access for a cgroup v2 cgroup (include/uapi/linux/bpf.h). */
export const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
/** The attach type of a device program. */
export const BPF_CGROUP_DEVICE = 6;
/** One eBPF instruction is 8 bytes: opcode, dst/src registers, 16-bit offset, 32-bit immediate. */
export const BPF_INSN_SIZE = 8;
const VERIFIER_LOG_SIZE = 64 * 1024;

interface BpfBinding {
  syscall(nr: number, ...typedArgs: unknown[]): number;
  progLoadAttr: unknown;
  progAttachAttr: unknown;
}

const bind = lazyBinding((lib, koffi): BpfBinding => ({
  syscall: lib.func('long syscall(long number, ...)'),
  // union bpf_attr, the BPF_PROG_LOAD member up to expected_attach_type. Its pointers are
  // __aligned_u64, which a pointer is on the 64-bit architectures above.
  progLoadAttr: koffi.struct('bpf_prog_load_attr', {
    prog_type: 'uint32_t',
    insn_cnt: 'uint32_t',
    insns: 'const void *',
    license: 'const void *',
    log_level: 'uint32_t',
    log_size: 'uint32_t',
    log_buf: 'void *',
    kern_version: 'uint32_t',
    prog_flags: 'uint32_t',
    prog_name: 'char[16]',
    prog_ifindex: 'uint32_t',
    expected_attach_type: 'uint32_t',
  }),
  progAttachAttr: koffi.struct('bpf_prog_attach_attr', {
    target_fd: 'uint32_t',
    attach_bpf_fd: 'uint32_t',
    attach_type: 'uint32_t',
    attach_flags: 'uint32_t',
  }),
}));

function syscallNumber(): number {
  const nr = SYS_BPF[process.arch];
  if (nr === undefined) throw new SysError('bpf', 38 /* ENOSYS */, undefined, { message: `bpf: no syscall number known for ${process.arch}` });
  return nr;
}

/**
 * Loads `insns` (BPF_INSN_SIZE bytes each) as a program of `progType` and returns its descriptor.
 * When the verifier refuses it, the error carries the verifier's last log line.
 */
export function bpfProgLoad(progType: number, insns: Buffer, options: { license: string; expectedAttachType?: number; name?: string }): number {
  const license = Buffer.from(`${options.license}\0`);
  const load = (log: Buffer | undefined): number => {
    const attr = {
      prog_type: progType,
      insn_cnt: insns.length / BPF_INSN_SIZE,
      insns,
      license,
      log_level: log === undefined ? 0 : 1,
      log_size: log === undefined ? 0 : log.length,
      log_buf: log ?? null,
      kern_version: 0,
      prog_flags: 0,
      prog_name: (options.name ?? '').slice(0, 15),
      prog_ifindex: 0,
      expected_attach_type: options.expectedAttachType ?? 0,
    };
    return Number(bind().syscall(syscallNumber(), 'int', BPF_PROG_LOAD, 'bpf_prog_load_attr *', attr, 'uint', 72));
  };
  const fd = loadRetrying(() => load(undefined));
  if (fd !== -1) return fd;
  const errno = lastErrno();
  const log = Buffer.alloc(VERIFIER_LOG_SIZE);
  // Loaded this time: the first failure was transient after all, and the program is good.
  const logged = loadRetrying(() => load(log));
  if (logged !== -1) return logged;
  if (lastErrno() === EAGAIN) throw new SysError('bpf(BPF_PROG_LOAD)', errno);
  const text = log.toString('utf8', 0, Math.max(0, log.indexOf(0))).trim().split('\n').slice(-2).join(' / ');
  throw new SysError('bpf(BPF_PROG_LOAD)', lastErrno(), undefined, { message: `bpf(BPF_PROG_LOAD): the verifier refused the program: ${text || 'no log'}` });
}

const EAGAIN = 11;
/** As libbpf: the verifier gives up with EAGAIN when a signal is pending (a child's SIGCHLD, say). */
const LOAD_ATTEMPTS = 5;

function loadRetrying(load: () => number): number {
  let fd = load();
  for (let attempt = 1; fd === -1 && lastErrno() === EAGAIN && attempt < LOAD_ATTEMPTS; attempt++) fd = load();
  return fd;
}

/** Attaches program `progFd` to the cgroup open at `cgroupFd`; flags 0 replaces a program attached before. */
export function bpfProgAttach(cgroupFd: number, progFd: number, attachType: number, flags = 0, path?: string): void {
  const attr = { target_fd: cgroupFd, attach_bpf_fd: progFd, attach_type: attachType, attach_flags: flags };
  check(Number(bind().syscall(syscallNumber(), 'int', BPF_PROG_ATTACH, 'bpf_prog_attach_attr *', attr, 'uint', 16)), 'bpf(BPF_PROG_ATTACH)', path);
}
