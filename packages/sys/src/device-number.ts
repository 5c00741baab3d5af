// dev_t encoding exactly as glibc's <sys/sysmacros.h> computes it: 12 low bits of the major at
// bits 8-19 and the rest at 44-63, the minor's low byte at 0-7 and the rest at 20-43. So a minor
// above 255 is not the `major << 8 | minor` of old. dev_t is 64-bit, hence bigint.

/** The dev_t of a device number pair; major and minor are C unsigned ints. */
export function makedev(major: number, minor: number): bigint {
  const ma = BigInt.asUintN(32, BigInt(major));
  const mi = BigInt.asUintN(32, BigInt(minor));
  return ((ma & 0xfffn) << 8n) | ((ma & 0xfffff000n) << 32n) | (mi & 0xffn) | ((mi & 0xffffff00n) << 12n);
}

/** The major number of a dev_t, such as `fs.Stats.rdev` (number) or its bigint form. */
export function major(dev: number | bigint): number {
  const d = BigInt.asUintN(64, BigInt(dev));
  return Number(((d >> 8n) & 0xfffn) | ((d >> 32n) & 0xfffff000n));
}

/** The minor number of a dev_t, such as `fs.Stats.rdev` (number) or its bigint form. */
export function minor(dev: number | bigint): number {
  const d = BigInt.asUintN(64, BigInt(dev));
  return Number((d & 0xffn) | ((d >> 12n) & 0xffffff00n));
}
