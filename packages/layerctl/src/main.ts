import { scanArgv } from './argv-scan.ts';
import { version } from './version.ts';
import type { WorkerOptions } from './daemon/worker.ts';

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

/**
 * Runs as one of a daemon's warm workers (src/daemon/README.md): waits for a client's command and
 * runs it through `main` in this process. bin/layerctl-worker.js calls this from the bundle.
 */
export async function serveDaemonWorker(options: Omit<WorkerOptions, 'run'>): Promise<void> {
  const { serveOneCommand } = await import('./daemon/worker.ts');
  const run = (args: string[]): Promise<number> => {
    // What bin/layerctl.js does for --debug: stack traces then name the TypeScript sources.
    if (args.includes('--debug')) process.setSourceMapsEnabled(true);
    return main(args);
  };
  await serveOneCommand({ ...options, run });
}
