import { scanArgv } from './argv-scan.ts';
import { version } from './version.ts';

/**
 * Runs one layerctl command line and returns the exit status.
 *
 * `--version` is answered here, before yargs, the error classes or any command loads: it costs
 * Node's start-up and two small modules. Everything else goes through command-line.ts, which
 * loads only the named command's module (commands/index.ts is the registry).
 */
export async function main(argv: readonly string[]): Promise<number> {
  const scan = scanArgv(argv);
  if (scan.version && scan.command === undefined) {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  const { runCommandLine } = await import('./command-line.ts');
  return runCommandLine(argv, scan);
}
