import fs from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { UsageError, wrapNodeError } from '@layerctl/sys';
import type { GlobalOptions } from '../global-options.ts';
import { print } from '../output/print.ts';
import { openBuildDisplay } from '../progress/build-display.ts';
import { withSnapshotter } from '../with-snapshotter.ts';
import { withBuildNetwork } from './build-network.ts';
import type { CommandArgs } from './command-args.ts';

export const command = 'build <context>';
export const describe = 'Build an image from a Dockerfile and a context directory';

/** The Dockerfile looked for in the context when -f is not given. */
const DEFAULT_DOCKERFILE = 'Dockerfile';

export function builder(cli: Argv<GlobalOptions>) {
  return cli
    .positional('context', { type: 'string', demandOption: true, describe: 'the build context directory' })
    .option('file', { alias: 'f', type: 'string', requiresArg: true, describe: 'the Dockerfile (default: CONTEXT/Dockerfile)' })
    .option('tag', { alias: 't', type: 'string', requiresArg: true, coerce: repeated, describe: 'name[:tag] to record; may repeat' })
    .option('build-arg', { type: 'string', requiresArg: true, coerce: repeated, describe: 'K=V for an ARG; may repeat' })
    .option('target', { type: 'string', requiresArg: true, describe: 'the stage to build (default: the last)' })
    .option('cache', { type: 'boolean', default: true, describe: 'use the build cache; --no-cache runs every step again' })
    .option('network', {
      choices: ['none', 'host', 'bridge'] as const,
      default: 'bridge' as const,
      describe: 'network of RUN steps: bridge (the default, as docker build), host or none',
    })
    .option('cgroup-parent', { type: 'string', requiresArg: true, describe: 'the cgroup RUN steps are created below' })
    .option('output', { type: 'string', requiresArg: true, describe: 'also write the image as an archive: type=oci|docker,dest=PATH' });
}

/**
 * Builds, with progress on stderr (--progress) and the image id on stdout. Ctrl-C aborts the
 * build: the running step is stopped, its snapshot unmounted and removed, and nothing is recorded.
 */
export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  const { buildImage } = await import('@layerctl/builder');
  const { parseDockerfile } = await import('@layerctl/builder');
  const contextDir = path.resolve(args.context);
  checkContext(args.context, contextDir);
  const dockerfilePath = args.file ?? path.join(args.context, DEFAULT_DOCKERFILE);
  const dockerfile = parseDockerfile(readDockerfile(dockerfilePath), args.file ?? DEFAULT_DOCKERFILE);
  const buildArgs = parseBuildArgs(args.buildArg ?? []);
  const output = args.output === undefined ? undefined : parseOutput(args.output);
  const abort = new AbortController();
  const interrupt = (): void => abort.abort();
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const display = await openBuildDisplay(args.progress, process.stderr);
  try {
    const result = await withSnapshotter(args, ({ root, snapshotter }) =>
      withBuildNetwork(args.network, root, (network) =>
        buildImage({
          root,
          snapshotter,
          dockerfile,
          contextDir,
          tags: args.tag ?? [],
          buildArgs,
          target: args.target,
          noCache: !args.cache,
          network,
          cgroupParent: args.cgroupParent,
          output,
          signal: abort.signal,
          onEvent: (event) => display.event(event),
        }),
      ),
    );
    await display.close();
    print(`${result.imageId}\n`);
  } catch (err) {
    await display.close();
    throw err;
  } finally {
    process.removeListener('SIGINT', interrupt);
    process.removeListener('SIGTERM', interrupt);
  }
}

function checkContext(given: string, dir: string): void {
  let stat;
  try {
    stat = fs.statSync(dir);
  } catch (err) {
    throw wrapNodeError(err);
  }
  if (!stat.isDirectory()) throw new UsageError(`build context ${given}: not a directory`);
}

function readDockerfile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw wrapNodeError(err);
  }
}

/**
 * A repeatable option as a list. Declared as a plain string (yargs collects repeats into an array),
 * not `array: true`, which would swallow the CONTEXT that follows `-t name`.
 */
function repeated(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : [value].flat();
}

/** `K=V` pairs; a bare `K` takes K's value from the environment, as docker build does. */
export function parseBuildArgs(pairs: readonly string[]): Record<string, string> {
  const args: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const name = eq === -1 ? pair : pair.slice(0, eq);
    if (name === '') throw new UsageError(`--build-arg ${pair}: needs a name, as NAME=VALUE`);
    const value = eq === -1 ? process.env[name] : pair.slice(eq + 1);
    if (value !== undefined) args[name] = value;
  }
  return args;
}

const OUTPUT_TYPES = ['oci', 'docker'] as const;

/** `type=oci,dest=PATH` or `type=docker,dest=PATH`. */
export function parseOutput(spec: string): { format: (typeof OUTPUT_TYPES)[number]; dest: string } {
  const fields = new Map<string, string>();
  for (const part of spec.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new UsageError(`--output ${spec}: write it as type=oci|docker,dest=PATH`);
    fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const type = fields.get('type');
  const dest = fields.get('dest');
  const format = OUTPUT_TYPES.find((known) => known === type);
  if (format === undefined) throw new UsageError(`--output ${spec}: type must be oci or docker`);
  if (dest === undefined || dest === '') throw new UsageError(`--output ${spec}: needs dest=PATH`);
  return { format, dest: path.resolve(dest) };
}
