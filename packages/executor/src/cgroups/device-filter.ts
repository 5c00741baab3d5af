import fs from 'node:fs';
import {
  BPF_CGROUP_DEVICE, BPF_INSN_SIZE, BPF_PROG_TYPE_CGROUP_DEVICE, bpfProgAttach, bpfProgLoad, InvalidArgumentError, wrapNodeError,
} from '@layerctl/sys';
import type { DeviceRule } from '../spec/runtime-spec.ts';

/**
 * cgroup v2 has no devices controller: device access is decided by an eBPF program of type
 * BPF_PROG_TYPE_CGROUP_DEVICE attached to the cgroup. This file compiles the spec's device rules
 * into one, with v1's meaning: the last rule that matches decides, and a device no rule
 * matches is allowed (a fresh v1 devices cgroup allows everything; Docker's list starts with
 * "deny all", so for Docker's rules the rest is denied).
 *
 * The program sees struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }, where
 * access_type is the device type in the low 16 bits and the access wanted in the high 16, and
 * returns 1 to allow, 0 to deny. A rule applies when the access wanted is within the rule's
 * (as runc's device filter decides).
 */

/** BPF_DEVCG_DEV_* and BPF_DEVCG_ACC_* (include/uapi/linux/bpf.h). */
const DEVICE_TYPE = { b: 1, c: 2 } as const;
const ACCESS_BIT = { m: 1, r: 2, w: 4 } as const;
const ALL_ACCESS = 7;

/** The opcodes used: 64-bit ALU on registers or immediates, 32-bit loads, jump-if-not-equal, exit. */
const OP = {
  loadWord: 0x61, // BPF_LDX | BPF_MEM | BPF_W
  movReg: 0xbf, // BPF_ALU64 | BPF_MOV | BPF_X
  movImm: 0xb7, // BPF_ALU64 | BPF_MOV | BPF_K
  andImm: 0x57, // BPF_ALU64 | BPF_AND | BPF_K
  rshImm: 0x77, // BPF_ALU64 | BPF_RSH | BPF_K
  jneImm: 0x55, // BPF_JMP | BPF_JNE | BPF_K
  exit: 0x95, // BPF_JMP | BPF_EXIT
} as const;

/** Registers: r1 holds the context; r3 type, r4 access, r5 major, r6 minor, r7 scratch. */
const R = { ret: 0, ctx: 1, accessType: 2, type: 3, access: 4, major: 5, minor: 6, scratch: 7 } as const;

interface Insn {
  op: number;
  dst: number;
  src?: number;
  off?: number;
  imm?: number;
}

/** The program's instructions, BPF_INSN_SIZE bytes each, ready for BPF_PROG_LOAD. */
export function deviceFilterProgram(rules: readonly DeviceRule[]): Buffer {
  const insns: Insn[] = [
    { op: OP.loadWord, dst: R.accessType, src: R.ctx, off: 0 },
    { op: OP.movReg, dst: R.type, src: R.accessType },
    { op: OP.andImm, dst: R.type, imm: 0xffff },
    { op: OP.movReg, dst: R.access, src: R.accessType },
    { op: OP.rshImm, dst: R.access, imm: 16 },
    { op: OP.loadWord, dst: R.major, src: R.ctx, off: 4 },
    { op: OP.loadWord, dst: R.minor, src: R.ctx, off: 8 },
  ];
  let matchesAll = false;
  // The last rule that matches decides, so the rules are tried from the last one back.
  for (const rule of [...rules].reverse()) {
    const block = ruleBlock(rule);
    insns.push(...block.insns);
    // Past a rule that matches every device nothing is reachable, and the verifier refuses dead code.
    if (block.matchesAll) {
      matchesAll = true;
      break;
    }
  }
  if (!matchesAll) insns.push({ op: OP.movImm, dst: R.ret, imm: 1 }, { op: OP.exit, dst: 0 });
  return encode(insns);
}

/** Conditions that jump past the block when the device does not match, then the verdict. */
function ruleBlock(rule: DeviceRule): { insns: Insn[]; matchesAll: boolean } {
  const skips: Insn[][] = [];
  const type = rule.type ?? 'a';
  if (type !== 'a') skips.push([{ op: OP.jneImm, dst: R.type, imm: DEVICE_TYPE[type] }]);
  const mask = accessMask(rule.access ?? 'rwm');
  if (mask !== ALL_ACCESS) {
    skips.push([
      { op: OP.movReg, dst: R.scratch, src: R.access },
      { op: OP.andImm, dst: R.scratch, imm: ~mask & ALL_ACCESS },
      { op: OP.jneImm, dst: R.scratch, imm: 0 },
    ]);
  }
  if (rule.major !== undefined && rule.major >= 0) skips.push([{ op: OP.jneImm, dst: R.major, imm: rule.major }]);
  if (rule.minor !== undefined && rule.minor >= 0) skips.push([{ op: OP.jneImm, dst: R.minor, imm: rule.minor }]);
  const verdict: Insn[] = [{ op: OP.movImm, dst: R.ret, imm: rule.allow ? 1 : 0 }, { op: OP.exit, dst: 0 }];
  const body = skips.flat();
  const length = body.length + verdict.length;
  // Each jump lands on the first instruction after the block: its offset counts from the next one.
  const insns = body.map((insn, i) => (insn.op === OP.jneImm ? { ...insn, off: length - (i + 1) } : insn));
  return { insns: [...insns, ...verdict], matchesAll: skips.length === 0 };
}

function accessMask(access: string): number {
  let mask = 0;
  for (const letter of access) {
    if (letter !== 'r' && letter !== 'w' && letter !== 'm') {
      throw new InvalidArgumentError(`device rule access "${access}" may hold only r, w and m`);
    }
    mask |= ACCESS_BIT[letter];
  }
  return mask;
}

function encode(insns: readonly Insn[]): Buffer {
  const out = Buffer.alloc(insns.length * BPF_INSN_SIZE);
  insns.forEach((insn, i) => {
    const at = i * BPF_INSN_SIZE;
    out.writeUInt8(insn.op, at);
    out.writeUInt8(((insn.src ?? 0) << 4) | insn.dst, at + 1);
    out.writeInt16LE(insn.off ?? 0, at + 2);
    out.writeInt32LE(insn.imm ?? 0, at + 4);
  });
  return out;
}

/**
 * Loads the program for `rules` and attaches it to the cgroup v2 directory `dir`, replacing a
 * program attached before (single-program mode, flags 0), so update() can change the rules.
 * The attachment holds the program; both descriptors are closed again.
 */
export function attachDeviceFilter(dir: string, rules: readonly DeviceRule[]): void {
  const program = bpfProgLoad(BPF_PROG_TYPE_CGROUP_DEVICE, deviceFilterProgram(rules), {
    license: PROGRAM_LICENSE,
    expectedAttachType: BPF_CGROUP_DEVICE,
    name: PROGRAM_NAME,
  });
  try {
    const cgroup = openDirectory(dir);
    try {
      bpfProgAttach(cgroup, program, BPF_CGROUP_DEVICE, 0, dir);
    } finally {
      fs.closeSync(cgroup);
    }
  } finally {
    fs.closeSync(program);
  }
}

/** What bpftool shows for the program; the kernel keeps 15 characters. */
const PROGRAM_NAME = 'layerctl_dev';
/** A device program calls no GPL-only helper, so any license string loads. */
const PROGRAM_LICENSE = 'Apache-2.0';

function openDirectory(dir: string): number {
  try {
    return fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  } catch (err) {
    throw wrapNodeError(err, dir);
  }
}
