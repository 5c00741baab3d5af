import type { Argv } from 'yargs';
import { InvalidArgumentError } from '@layerctl/sys';
import { setCommandStatus } from '../command-status.ts';
import { daemonPaths, daemonSocketPath, SOCKET_VARIABLE, type DaemonPaths } from '../daemon/daemon-paths.ts';
import type { GlobalOptions } from '../global-options.ts';
import { print } from '../output/print.ts';
import type { CommandArgs } from './command-args.ts';

export const command = 'daemon';
export const describe = 'Start, stop or ask about the resident daemon that keeps warm workers for the layerctl command';

const DEFAULT_WORKERS = 2;

function paths(): DaemonPaths {
  const socket = daemonSocketPath();
  if (socket === undefined) throw new InvalidArgumentError(`no socket for the daemon: set ${SOCKET_VARIABLE} or XDG_RUNTIME_DIR`);
  return daemonPaths(socket);
}

function workersBuilder(cli: Argv<GlobalOptions>) {
  return cli
    .option('workers', { type: 'number', default: DEFAULT_WORKERS, describe: 'warm workers waiting for commands' })
    .option('cgroup-parent', { type: 'string', describe: "the cgroup parent of the workers' rehearsal containers (default: run's)" });
}

function workerCount(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 64) throw new InvalidArgumentError(`--workers ${value}: give a whole number from 1 to 64`);
  return value;
}

const run = {
  command: 'run',
  describe: 'Run the daemon in the foreground until SIGTERM or Ctrl-C',
  builder: workersBuilder,
  handler: async (args: CommandArgs<typeof workersBuilder>) => {
    const { runDaemon } = await import('../daemon/daemon.ts');
    setCommandStatus(await runDaemon({ paths: paths(), workers: workerCount(args.workers), cgroupParent: args.cgroupParent }));
  },
};

const start = {
  command: 'start',
  describe: 'Start the daemon in the background and wait until it answers',
  builder: workersBuilder,
  handler: async (args: CommandArgs<typeof workersBuilder>) => {
    const { startDaemon } = await import('../daemon/daemon-control.ts');
    const where = paths();
    const pid = await startDaemon(where, { workers: workerCount(args.workers), cgroupParent: args.cgroupParent });
    print(`layerctl daemon ${pid} listens on ${where.socket} (log: ${where.logFile})\n`);
  },
};

const stop = {
  command: 'stop',
  describe: 'Stop the daemon; commands it is running go on to their end',
  handler: async () => {
    const { stopDaemon } = await import('../daemon/daemon-control.ts');
    print(`layerctl daemon ${await stopDaemon(paths())} stopped\n`);
  },
};

const status = {
  command: 'status',
  describe: 'Say whether a daemon answers (exit status 0) or not (1)',
  handler: async () => {
    const { pingDaemon, runningPid } = await import('../daemon/daemon-control.ts');
    const where = paths();
    const answers = await pingDaemon(where.socket);
    print(answers ? `layerctl daemon ${runningPid(where) ?? '(pid unknown)'} answers on ${where.socket}\n` : `no layerctl daemon answers on ${where.socket}\n`);
    if (!answers) setCommandStatus(1);
  },
};

export function builder(cli: Argv<GlobalOptions>) {
  return cli.command(run).command(start).command(stop).command(status).demandCommand(1, 'daemon needs a subcommand: start, stop, status or run');
}

/** yargs runs a subcommand's handler; this one only runs when none was named, which demandCommand refuses first. */
export function handler(): void {}
