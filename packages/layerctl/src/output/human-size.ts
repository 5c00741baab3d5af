/** Decimal units, as docker prints sizes (1 kB = 1000 B). */
const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'] as const;
const STEP = 1000;
const SIGNIFICANT_DIGITS = 3;

/** "4.27MB", "512B", "1GB": three significant digits, like `docker images`. */
export function humanSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (unit < UNITS.length - 1 && Number(value.toPrecision(SIGNIFICANT_DIGITS)) >= STEP) {
    value /= STEP;
    unit++;
  }
  return `${Number(value.toPrecision(SIGNIFICANT_DIGITS))}${UNITS[unit]}`;
}
