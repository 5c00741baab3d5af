import { instructionError, type RawInstruction } from './raw-instruction.ts';

/**
 * What an instruction's flags may be: 'string' takes `--name=value`; 'bool' is `--name` or
 * `--name=true|false`; 'unsupported' is a flag Docker knows that layerctl refuses, with the reason.
 */
export type FlagSpec = Record<string, 'string' | 'bool' | { unsupported: string }>;

export interface ParsedFlags {
  strings: Map<string, string>;
  bools: Set<string>;
}

/** Checks `raw.flags` against `spec`: unknown, repeated, unsupported or valueless flags are errors. */
export function parseFlags(raw: RawInstruction, spec: FlagSpec): ParsedFlags {
  const parsed: ParsedFlags = { strings: new Map(), bools: new Set() };
  const seen = new Set<string>();
  for (const word of raw.flags) {
    const body = word.slice(2);
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const value = eq === -1 ? undefined : body.slice(eq + 1);
    const kind = spec[name];
    if (kind === undefined) throw instructionError(raw, `has an unknown flag --${name}${knownFlags(spec)}`);
    if (typeof kind === 'object') throw instructionError(raw, `--${name} is not supported: ${kind.unsupported}`);
    if (seen.has(name)) throw instructionError(raw, `has --${name} more than once`);
    seen.add(name);
    if (kind === 'string') {
      if (value === undefined) throw instructionError(raw, `--${name} needs a value (--${name}=...)`);
      parsed.strings.set(name, value);
    } else if (value === undefined || value === 'true') {
      parsed.bools.add(name);
    } else if (value !== 'false') {
      throw instructionError(raw, `--${name}=${value}: expected true or false`);
    }
  }
  return parsed;
}

function knownFlags(spec: FlagSpec): string {
  const names = Object.entries(spec).filter(([, kind]) => typeof kind !== 'object').map(([name]) => `--${name}`);
  return names.length === 0 ? ' (it takes no flags)' : ` (it takes ${names.join(', ')})`;
}
