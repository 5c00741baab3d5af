import { LayerctlError } from '@layerctl/sys';

/** The exit status of a failure that is not a LayerctlError (DESIGN.md, "Command line"). */
export const EXIT_FAILED = 1;

export interface ReportOptions {
  readonly debug: boolean;
  readonly stderr: { write(text: string): unknown };
}

/**
 * The one place where an error becomes what the user sees: one line `layerctl: <message>` on
 * stderr, and the exit status. LayerctlErrors carry their own status (UsageError: 2); anything
 * else is a bug or a fault we did not foresee, so it says how to see more. With --debug, the
 * whole cause chain follows, each with its stack.
 */
export function reportError(error: unknown, options: ReportOptions): number {
  const known = error instanceof LayerctlError;
  const message = oneLine(messageOf(error));
  const hint = known || options.debug ? '' : ' (run with --debug for details)';
  options.stderr.write(`layerctl: ${message}${hint}\n`);
  if (options.debug) options.stderr.write(describeChain(error));
  return known ? error.exitCode : EXIT_FAILED;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message === '' ? error.name : error.message;
  return String(error);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** The error and each of its causes, outermost first, with stacks. */
function describeChain(error: unknown): string {
  const lines: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  for (let depth = 0; current !== undefined && !seen.has(current); depth++) {
    seen.add(current);
    const label = depth === 0 ? 'error' : 'caused by';
    const text = current instanceof Error ? (current.stack ?? `${current.name}: ${current.message}`) : String(current);
    lines.push(`${label}: ${text}`);
    current = current instanceof Error ? current.cause : undefined;
  }
  return `${lines.join('\n')}\n`;
}
