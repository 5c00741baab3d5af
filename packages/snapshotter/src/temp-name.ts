import { randomBytes } from 'node:crypto';

/**
 * Names for scratch files and folders in <root>/tmp: `<kind>-<pid>-<16 hex>`.
 *
 * The owner's pid is part of the name so that openRoot's sweep can delete what dead processes
 * left behind without touching the in-progress work of a concurrent command. Every writer to
 * tmp/ must name its files with tempName.
 */
export function tempName(kind: string, pid: number = process.pid): string {
  return `${kind}-${pid}-${randomBytes(8).toString('hex')}`;
}

const TEMP_NAME_PATTERN = /^.+-(\d+)-[0-9a-f]{16}$/;

/** The pid a tempName names, or undefined for a name that tempName did not make. */
export function tempNameOwner(name: string): number | undefined {
  const match = TEMP_NAME_PATTERN.exec(name);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
