import test from 'ava';
import { major, makedev, minor } from './device-number.ts';

// Expected values computed by glibc's makedev (Python's os.makedev calls it).
const glibc: [number, number, bigint][] = [
  [0, 0, 0n],
  [1, 300, 0x10012cn],
  [4095, 0xfffff, 0xffffffffn],
  [0x12345, 0x6789a, 0x120006783459an],
  [0x7ffff123, 0x7bcdef12, 0x7ffff7bcdef12312n],
];

test('makedev encodes device numbers exactly as glibc does', (t) => {
  for (const [ma, mi, dev] of glibc) t.is(makedev(ma, mi), dev, `${ma}:${mi}`);
});

test('major and minor decode what makedev encodes, from a bigint or a number', (t) => {
  for (const [ma, mi, dev] of glibc) {
    t.is(major(dev), ma);
    t.is(minor(dev), mi);
    if (dev <= BigInt(Number.MAX_SAFE_INTEGER)) {
      t.is(major(Number(dev)), ma);
      t.is(minor(Number(dev)), mi);
    }
  }
});

test('a minor above 255 is not folded into the major', (t) => {
  t.is(major(makedev(1, 256)), 1);
  t.is(minor(makedev(1, 256)), 256);
});
