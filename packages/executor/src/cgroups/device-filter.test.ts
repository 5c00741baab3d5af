import { BPF_INSN_SIZE, InvalidArgumentError } from '@layerctl/sys';
import test from 'ava';
import { deviceFilterProgram } from './device-filter.ts';

/* What the program does is checked on the real kernel in cgroup-v2.test.ts; these check its shape. */

interface Decoded {
  op: number;
  dst: number;
  off: number;
  imm: number;
}

function decode(program: Buffer): Decoded[] {
  const insns: Decoded[] = [];
  for (let at = 0; at < program.length; at += BPF_INSN_SIZE) {
    insns.push({ op: program.readUInt8(at), dst: program.readUInt8(at + 1) & 0xf, off: program.readInt16LE(at + 2), imm: program.readInt32LE(at + 4) });
  }
  return insns;
}

const PROLOGUE = 7;
const EXIT = 0x95;
const MOV_IMM = 0xb7;
const JNE_IMM = 0x55;

test('without rules every device is allowed, as in a fresh v1 devices cgroup', (t) => {
  const insns = decode(deviceFilterProgram([]));
  t.is(insns.length, PROLOGUE + 2);
  t.like(insns[PROLOGUE], { op: MOV_IMM, dst: 0, imm: 1 });
  t.like(insns[PROLOGUE + 1], { op: EXIT });
});

test('the last rule is tried first, each jump lands after its block, and nothing follows a rule that matches all', (t) => {
  const insns = decode(deviceFilterProgram([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }]));
  // c 1:3: type, major, minor checks, then allow; then the deny-all verdict, and no default after it.
  t.deepEqual(insns.slice(PROLOGUE).map((i) => [i.op, i.off, i.imm]), [
    [JNE_IMM, 4, 2],
    [JNE_IMM, 3, 1],
    [JNE_IMM, 2, 3],
    [MOV_IMM, 0, 1],
    [EXIT, 0, 0],
    [MOV_IMM, 0, 0],
    [EXIT, 0, 0],
  ]);
});

test('a rule for some accesses only tests that nothing else is asked for', (t) => {
  const insns = decode(deviceFilterProgram([{ allow: true, type: 'b', access: 'm' }]));
  const andImm = insns.slice(PROLOGUE).find((i) => i.op === 0x57);
  // Anything but mknod (1) in the access asked: read 2 | write 4.
  t.is(andImm?.imm, 6);
});

test('an access letter other than r, w, m is refused', (t) => {
  t.throws(() => deviceFilterProgram([{ allow: true, access: 'rwx' }]), { instanceOf: InvalidArgumentError, message: /rwx/ });
});
