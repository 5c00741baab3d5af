import fs from 'node:fs';
import test from 'ava';
import { BPF_CGROUP_DEVICE, BPF_INSN_SIZE, BPF_PROG_TYPE_CGROUP_DEVICE, bpfProgLoad } from './bpf.ts';
import { SysError } from './errors.ts';

function program(...insns: [op: number, dst: number, imm: number][]): Buffer {
  const out = Buffer.alloc(insns.length * BPF_INSN_SIZE);
  insns.forEach(([op, dst, imm], i) => {
    out.writeUInt8(op, i * BPF_INSN_SIZE);
    out.writeUInt8(dst, i * BPF_INSN_SIZE + 1);
    out.writeInt32LE(imm, i * BPF_INSN_SIZE + 4);
  });
  return out;
}

const options = { license: 'Apache-2.0', expectedAttachType: BPF_CGROUP_DEVICE, name: 'layerctl_test' };

test('a device program the verifier accepts loads and gives a descriptor', (t) => {
  // r0 = 1; exit
  const fd = bpfProgLoad(BPF_PROG_TYPE_CGROUP_DEVICE, program([0xb7, 0, 1], [0x95, 0, 0]), options);
  t.teardown(() => fs.closeSync(fd));
  t.true(fs.readlinkSync(`/proc/self/fd/${fd}`).includes('bpf-prog'));
});

test("a program the verifier refuses fails with the verifier's words", (t) => {
  // exit without setting r0
  const err = t.throws(() => bpfProgLoad(BPF_PROG_TYPE_CGROUP_DEVICE, program([0x95, 0, 0]), options), { instanceOf: SysError });
  t.is(err.code, 'EACCES');
  t.regex(err.message, /verifier refused the program: R0 !read_ok/);
});
