import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { SysError } from './errors.ts';
import { scratchDir } from './testing/scratch.ts';
import { futimensNs, lutimesNs } from './utimes.ts';

const times: [string, bigint][] = [
  ['2023 with nanoseconds', 1700000000123456789n],
  ['2100, past the 32-bit rollover of 2038', 4102444800000000001n],
  ['1969, before the epoch', -123456789n],
  ['1922, a negative time with a nanosecond part', -1500000000987654321n],
];

for (const [what, ns] of times) {
  test(`a file's times are set to the nanosecond: ${what}`, (t) => {
    const p = path.join(scratchDir(t), 'file');
    fs.writeFileSync(p, '');
    lutimesNs(p, ns + 1n, ns);
    const st = fs.lstatSync(p, { bigint: true });
    t.is(st.mtimeNs, ns);
    t.is(st.atimeNs, ns + 1n);
  });

  test(`an open file's times are set through its descriptor, to the nanosecond: ${what}`, (t) => {
    const p = path.join(scratchDir(t), 'file');
    const fd = fs.openSync(p, 'w');
    try {
      fs.writeSync(fd, 'content');
      futimensNs(fd, ns + 1n, ns);
    } finally {
      fs.closeSync(fd);
    }
    const st = fs.lstatSync(p, { bigint: true });
    t.is(st.mtimeNs, ns);
    t.is(st.atimeNs, ns + 1n);
  });

  test(`a symlink's own times are set, its target's untouched: ${what}`, (t) => {
    const dir = scratchDir(t);
    const target = path.join(dir, 'target');
    const link = path.join(dir, 'link');
    fs.writeFileSync(target, '');
    fs.symlinkSync(target, link);
    const before = fs.lstatSync(target, { bigint: true }).mtimeNs;
    lutimesNs(link, ns, ns);
    t.is(fs.lstatSync(link, { bigint: true }).mtimeNs, ns);
    t.is(fs.lstatSync(target, { bigint: true }).mtimeNs, before);
  });
}

test('a missing path fails with a SysError naming it', (t) => {
  const missing = path.join(scratchDir(t), 'missing');
  const err = t.throws(() => lutimesNs(missing, 0n, 0n), { instanceOf: SysError });
  t.is(err?.message, `utimensat ${missing}: ENOENT`);
});

test('a descriptor that is not open fails with a SysError naming it', (t) => {
  const err = t.throws(() => futimensNs(-1, 0n, 0n), { instanceOf: SysError });
  t.is(err?.message, 'futimens fd -1: EBADF');
});
