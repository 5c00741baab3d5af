import fs from 'node:fs';
import type { Argv } from 'yargs';
import { LayerctlError } from '@layerctl/sys';
import { DRIVERS, type GlobalOptions } from '../global-options.ts';
import type { BenchDisplay } from '../bench/bench-display.ts';
import type { CommandArgs } from './command-args.ts';

export const command = 'bench <suite>';
export const describe = 'Benchmark the storage drivers on ext4 and xfs loop filesystems (or a directory) and report the figures';

const SUITES = ['drivers'] as const;
/** Default size of each sparse loop filesystem: room for the largest workload of every driver. */
const DEFAULT_LOOP_SIZE = '8G';

export function builder(cli: Argv<GlobalOptions>) {
  return cli
    .positional('suite', { choices: SUITES, demandOption: true, describe: 'what to benchmark' })
    .option('driver', {
      type: 'string',
      requiresArg: true,
      // Split before yargs checks the global option's choices, which it then checks one by one.
      coerce: (value: string | string[]) => [value].flat().flatMap((v) => v.split(',')).filter((v) => v !== ''),
      describe: `drivers to measure, comma-separated or repeated (default: ${DRIVERS.join(',')})`,
    })
    .option('fs', { type: 'string', requiresArg: true, default: 'ext4,xfs', describe: 'ext4,xfs: loop filesystems made and removed by the bench; or a directory to bench the filesystem it is on' })
    .option('quick', { type: 'boolean', default: false, describe: 'fewer runs and smaller sizes (every workload still measured)' })
    .option('workload', { type: 'string', requiresArg: true, describe: 'only these workloads, comma-separated (default: all)' })
    .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' })
    .option('report', { type: 'string', requiresArg: true, describe: 'also write a self-contained HTML report with charts to FILE.html' })
    .option('scratch', { type: 'string', default: '/var/tmp', requiresArg: true, describe: 'where the loop images and scratch dirs go' })
    .option('loop-size', { type: 'string', default: DEFAULT_LOOP_SIZE, requiresArg: true, describe: 'size of each sparse loop filesystem (e.g. 2G)' });
}

/**
 * Runs the bench; the table (or --json) on stdout, progress lines on stderr. Ctrl-C stops after
 * the current step and takes down everything the bench made before the command exits.
 */
export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  const { parseBenchArgs } = await import('../bench/bench-args.ts');
  const { benchDrivers } = await import('../bench/bench-drivers.ts');
  const { openBenchDisplay } = await import('../bench/bench-display.ts');
  const parsed = parseBenchArgs(args);
  const abort = new AbortController();
  let display: BenchDisplay | undefined;
  const interrupt = (signal: NodeJS.Signals) => (): void => {
    display?.line(`bench: ${signal}: stopping after the current step and removing what the bench made`);
    abort.abort(new LayerctlError(`bench interrupted by ${signal}`));
  };
  const onInt = interrupt('SIGINT');
  const onTerm = interrupt('SIGTERM');
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  // A reader that goes away (a killed parent, `| head`) makes writes fail with EPIPE; unhandled,
  // that would end the process before its cleanup. Stop the bench instead, and clean up.
  const onOutputGone = (error: Error): void => {
    if (!abort.signal.aborted) abort.abort(new LayerctlError(`bench stopped: its output went away (${error.message})`));
  };
  process.stdout.on('error', onOutputGone);
  process.stderr.on('error', onOutputGone);
  try {
    display = await openBenchDisplay(args.progress, process.stderr);
    const shown = display;
    const report = await benchDrivers({ ...parsed, signal: abort.signal, progress: (line) => shown.line(line) });
    // The terminal display is taken down before the table is printed on the same terminal.
    await display.close();
    if (args.report !== undefined) {
      const { reportHtml } = await import('../bench/report-html.ts');
      fs.writeFileSync(args.report, reportHtml(report));
    }
    if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else {
      const { reportTable } = await import('../bench/report-table.ts');
      process.stdout.write(`${reportTable(report)}\n`);
    }
  } finally {
    await display?.close();
    process.removeListener('SIGINT', onInt);
    process.removeListener('SIGTERM', onTerm);
    process.stdout.removeListener('error', onOutputGone);
    process.stderr.removeListener('error', onOutputGone);
  }
}
