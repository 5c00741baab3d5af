import { InvalidArgumentError } from '@layerctl/sys';

/** Nanoseconds per unit, the units Go's time.ParseDuration knows (µ as U+00B5 and U+03BC). */
const UNIT_NS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n], ['us', 1_000n], ['\u00b5s', 1_000n], ['\u03bcs', 1_000n], ['ms', 1_000_000n],
  ['s', 1_000_000_000n], ['m', 60_000_000_000n], ['h', 3_600_000_000_000n],
]);

/** One `<number><unit>` part: digits, an optional fraction, a unit made of anything but digits and dots. */
const PART = /^(\d*)(?:\.(\d*))?([^\d.]+)/;

/**
 * A Go duration ('1m30s', '1.5h', '300ms', '-2s', '0') in nanoseconds, exactly as Go's
 * time.ParseDuration reads it (Docker parses HEALTHCHECK flags with it). Throws
 * InvalidArgumentError for anything else, and for values past Number.MAX_SAFE_INTEGER ns (104 days).
 */
export function parseDuration(text: string): number {
  let rest = text;
  let sign = 1n;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1n;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw notADuration(text);
  let total = 0n;
  while (rest !== '') {
    const match = PART.exec(rest);
    const whole = match?.[1] ?? '';
    const fraction = match?.[2] ?? '';
    const unit = UNIT_NS.get(match?.[3] ?? '');
    if (match === null || (whole === '' && fraction === '') || unit === undefined) throw notADuration(text);
    total += BigInt(whole === '' ? '0' : whole) * unit;
    if (fraction !== '') total += (BigInt(fraction) * unit) / 10n ** BigInt(fraction.length);
    rest = rest.slice(match[0].length);
  }
  if (total > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidArgumentError(`duration ${JSON.stringify(text)} is too long`);
  return Number(sign * total);
}

function notADuration(text: string): InvalidArgumentError {
  return new InvalidArgumentError(`${JSON.stringify(text)} is not a duration; write it as 30s, 1m30s or 500ms`);
}
