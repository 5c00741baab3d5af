import os from 'node:os';
import type { Argv } from 'yargs';
import { LayerctlError, UsageError } from '@layerctl/sys';
import { setCommandStatus } from '../command-status.ts';
import { RUNTIMES } from '../containers/container-config.ts';
import { checkContainerName } from '../containers/container-names.ts';
import { DEFAULT_CGROUP_PARENT } from '../containers/container-paths.ts';
import { DEFAULT_NETWORK, parseNetworkMode } from '../networks/network-mode.ts';
import { parsePublishedPort } from '../networks/published-port.ts';
import { parseResources } from '../containers/resources.ts';
import { parseVolumeSpec } from '../containers/volumes.ts';
import { restoreDashes } from '../dash.ts';
import { globalOptions, type GlobalOptions } from '../global-options.ts';
import { print } from '../output/print.ts';
import { runProgress } from '../progress/run-progress.ts';
import { withSnapshotter } from '../with-snapshotter.ts';
import type { CommandArgs } from './command-args.ts';

export const command = 'run [image] [command..]';
export const describe = 'Run a command in a new container';

/** The status `run` exits with when layerctl itself failed, not the container (Docker's). */
export const EXIT_RUN_FAILED = 125;

/**
 * The options of `run`. yargs cannot stop at IMAGE inside a command (halt-at-non-option halts at
 * the word `run` itself), so the words after `run` are parsed a second time by a parser of their
 * own (parseRunWords), which stops at IMAGE: everything after it is the container's command,
 * flags included (`run busybox ls -l`), as Docker reads it.
 */
function runOptions<T>(cli: Argv<T>) {
  return cli
    .option('rm', { type: 'boolean', default: false, describe: 'remove the container when it exits' })
    .option('detach', { alias: 'd', type: 'boolean', default: false, describe: 'run in the background and print the container id' })
    .option('interactive', { alias: 'i', type: 'boolean', default: false, describe: 'keep stdin open to the container' })
    .option('tty', { alias: 't', type: 'boolean', default: false, describe: 'give the container a pseudo-terminal' })
    .option('name', { type: 'string', describe: 'name the container (default: a random adjective_noun)' })
    .option('env', { alias: 'e', type: 'string', array: true, nargs: 1, default: [], describe: 'set KEY=VALUE (KEY alone: the value here)' })
    .option('volume', { alias: 'v', type: 'string', array: true, nargs: 1, default: [], describe: '/host/path:/path[:ro|rw] or volume-name:/path[:ro|rw][,nocopy]' })
    .option('workdir', { alias: 'w', type: 'string', describe: 'working directory inside the container' })
    .option('user', { alias: 'u', type: 'string', describe: 'name, uid, name:group or uid:gid' })
    .option('hostname', { type: 'string', describe: 'hostname (default: the first 12 digits of the id)' })
    .option('network', { type: 'string', default: DEFAULT_NETWORK, describe: 'bridge, none, host, a network made by network create, or container:NAME|ID' })
    .option('publish', { alias: 'p', type: 'string', array: true, nargs: 1, default: [], describe: 'publish a port: [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp]' })
    .option('memory', { alias: 'm', type: 'string', describe: 'memory limit, e.g. 64m' })
    .option('cpus', { type: 'number', describe: 'CPU quota in CPUs, e.g. 1.5' })
    .option('cpu-shares', { type: 'number', describe: 'relative CPU weight (default 1024)' })
    .option('cpuset-cpus', { type: 'string', describe: 'CPUs to run on, e.g. 0-1' })
    .option('pids-limit', { type: 'number', describe: 'most processes at once' })
    .option('entrypoint', { type: 'string', describe: "replace the image's ENTRYPOINT ('' clears it)" })
    .option('runtime', { choices: RUNTIMES, default: 'layerctl' as const, describe: 'run the bundle with our executor, crun or runc' })
    .option('cgroup-parent', { type: 'string', default: DEFAULT_CGROUP_PARENT, describe: "the cgroup the container's cgroup is made in" });
}

export function builder(cli: Argv<GlobalOptions>) {
  return runOptions(cli)
    .parserConfiguration({ 'halt-at-non-option': true })
    .usage('$0 run [options] IMAGE [COMMAND [ARG...]]')
    .positional('image', { type: 'string', describe: 'image name[:tag] or id' })
    .positional('command', { type: 'string', array: true, describe: "the command and its arguments (default: the image's ENTRYPOINT and CMD)" });
}

type RunArgs = NonNullable<Awaited<ReturnType<typeof parseRunWords>>>;

/** The second parse (see runOptions): global options may stand after `run` too; those before it are the defaults. */
async function parseRunWords(words: readonly string[], before: GlobalOptions) {
  const { default: yargs } = await import('yargs');
  const parsed = await runOptions(globalOptions(yargs([...words])))
    .default({ root: before.root, driver: before.driver, progress: before.progress, debug: before.debug })
    .parserConfiguration({ 'halt-at-non-option': true })
    .scriptName('layerctl run')
    .usage(`$0 [options] IMAGE [COMMAND [ARG...]]\n\n${describe}`)
    .strict()
    .help()
    .alias('help', 'h')
    .version(false)
    .wrap(null)
    .exitProcess(false)
    .fail((message, error) => {
      throw message === null || message === undefined ? error : new UsageError(restoreDashes(message), { cause: error });
    })
    .parseAsync();
  if (parsed.help === true) return undefined;
  const [image, ...command] = parsed._.map((word) => restoreDashes(String(word)));
  if (image === undefined) throw new UsageError('run needs an IMAGE: layerctl run [options] IMAGE [COMMAND [ARG...]]');
  return { ...parsed, image, command };
}

/**
 * Creates the container, then runs it here (its exit status is ours) or under a monitor (-d:
 * prints the id). A failure of layerctl itself exits 125, as Docker's; 126 and 127 (the command
 * cannot run, or is not there) come from the executor.
 */
export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  // args._ is [`run` (the command), `run` (where the halted parse stopped), ...the words after it].
  const words = args._.slice(2).map(String);
  let status: number;
  try {
    const parsed = await parseRunWords(words, args);
    if (parsed === undefined) return;
    status = await runCommand(parsed);
  } catch (err) {
    throw runFailure(err);
  }
  // The container's own status is the command's.
  setCommandStatus(status);
}

async function runCommand(args: RunArgs): Promise<number> {
  const options = createOptions(args);
  const { createContainer } = await import('../containers/create-container.ts');
  const { runDetached, runForeground } = await import('../containers/run-container.ts');
  // The grace period the container's first cgroup move waits for (5-20 ms) runs from here, while
  // the layers are made, not after its init is spawned (see primeCgroupMove). A detached container
  // is started later by its monitor, and crun and runc move their own processes.
  if (!args.detach && args.runtime === 'layerctl') {
    const { primeCgroupMove } = await import('@layerctl/executor');
    void primeCgroupMove();
  }
  return withSnapshotter(args, async (context) => {
    const progress = runProgress(args.progress, process.stderr);
    let record;
    try {
      record = await createContainer(context, options, progress);
    } finally {
      await progress.close();
    }
    if (!args.detach) return runForeground(context, record);
    await runDetached(context.root.dir, record);
    print(`${record.id}\n`);
    return 0;
  });
}

function createOptions(args: RunArgs) {
  if (args.detach && args.interactive) throw new UsageError('-d and -i do not go together yet: a detached container has no stdin');
  return {
    image: args.image,
    args: args.command,
    name: args.name === undefined ? undefined : checkContainerName(args.name),
    entrypoint: args.entrypoint,
    env: args.env.map(String),
    workdir: args.workdir,
    user: args.user,
    hostname: args.hostname,
    network: networkMode(args.network),
    ports: args.publish.map((spec) => parsePublishedPort(String(spec))),
    volumes: args.volume.map((spec) => parseVolumeSpec(String(spec))),
    resources: parseResources(
      { memory: args.memory, cpus: args.cpus, cpuShares: args.cpuShares, cpusetCpus: args.cpusetCpus, pidsLimit: args.pidsLimit },
      os.availableParallelism(),
    ),
    tty: args.tty,
    interactive: args.interactive,
    autoRemove: args.rm,
    runtime: args.runtime,
    cgroupParent: args.cgroupParent,
  };
}

/** Checked here, so a bad --network fails before anything is made; container:X is resolved to an id later. */
function networkMode(mode: string): string {
  parseNetworkMode(mode);
  return mode;
}

/** layerctl's own failure as Docker reports it: exit 125, unless the error already carries 126 or 127 (the command itself). */
class RunFailedError extends LayerctlError {
  override get exitCode(): number {
    return EXIT_RUN_FAILED;
  }
}

const COMMAND_STATUSES = new Set([126, 127]);

function runFailure(err: unknown): unknown {
  if (err instanceof LayerctlError && COMMAND_STATUSES.has(err.exitCode)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new RunFailedError(message, { cause: err });
}
