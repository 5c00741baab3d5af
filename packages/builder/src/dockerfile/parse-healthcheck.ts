import { InvalidArgumentError } from '@layerctl/sys';
import type { HealthcheckInstruction } from './instructions.ts';
import { common, instructionError, type RawInstruction } from './raw-instruction.ts';
import { parseFlags } from './flags.ts';
import { commandForm } from './command-form.ts';
import { parseDuration } from './duration.ts';
import { splitFirstWord } from './split-words.ts';

/** Docker refuses health check intervals shorter than this (container.MinimumDuration), 0 aside. */
const MINIMUM_INTERVAL_NS = 1_000_000;

const DURATION_FLAGS = [
  ['interval', 'interval'],
  ['timeout', 'timeout'],
  ['start-period', 'startPeriod'],
  ['start-interval', 'startInterval'],
] as const;

/** `HEALTHCHECK NONE` or `HEALTHCHECK [--interval=.. --timeout=.. --start-period=.. --start-interval=.. --retries=N] CMD command`. */
export function parseHealthcheck(raw: RawInstruction): HealthcheckInstruction {
  const [type, rest] = splitFirstWord(raw.args);
  if (type === '') throw instructionError(raw, 'needs NONE or CMD followed by a command');
  if (type.toUpperCase() === 'NONE') {
    if (rest !== '' || raw.flags.length > 0) throw instructionError(raw, 'NONE takes no arguments and no flags');
    return { kind: 'HEALTHCHECK', ...common(raw) };
  }
  const flags = parseFlags(raw, { interval: 'string', timeout: 'string', 'start-period': 'string', 'start-interval': 'string', retries: 'string' });
  if (type.toUpperCase() !== 'CMD') throw instructionError(raw, `has an unknown type ${type} (use CMD or NONE)`);
  const test = commandForm(raw, rest);
  if ((test.form === 'shell' && test.command === '') || (test.form === 'exec' && test.args.length === 0)) {
    throw instructionError(raw, 'needs a command after CMD');
  }
  const instruction: HealthcheckInstruction = { kind: 'HEALTHCHECK', ...common(raw), test };
  for (const [flag, field] of DURATION_FLAGS) {
    const value = flags.strings.get(flag);
    if (value === undefined) continue;
    checkInterval(raw, flag, value);
    instruction[field] = value;
  }
  const retries = flags.strings.get('retries');
  if (retries !== undefined) {
    if (!/^[+-]?\d+$/.test(retries) || Number(retries) > 2 ** 31 - 1) throw instructionError(raw, `--retries=${retries}: expected a whole number`);
    if (Number(retries) < 0) throw instructionError(raw, `--retries=${retries} cannot be negative`);
    instruction.retries = Number(retries);
  }
  return instruction;
}

/** The durations are checked here, where the line is known; the builder converts them with parseDuration. */
function checkInterval(raw: RawInstruction, flag: string, value: string): void {
  let ns: number;
  try {
    ns = parseDuration(value);
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw instructionError(raw, `--${flag}: ${err.message}`, err);
    throw err;
  }
  if (ns < 0) throw instructionError(raw, `--${flag}=${value} cannot be negative`);
  if (ns !== 0 && ns < MINIMUM_INTERVAL_NS) throw instructionError(raw, `--${flag}=${value} cannot be less than 1ms`);
}
