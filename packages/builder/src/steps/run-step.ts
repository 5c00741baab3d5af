import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { FailedPreconditionError } from '@layerctl/sys';
import type { StepKeyParts } from '../cache/cache-key.ts';
import type { BuildWorkspace } from '../build/build-workspace.ts';
import type { Heredoc, RunInstruction } from '../dockerfile/instructions.ts';
import { networkName, stepSpecNetwork, type BuildNetwork } from './build-network.ts';
import { DEFAULT_PATH, DEFAULT_SHELL, type BuildContainerConfig } from '../image-config/build-config.ts';
import { getEnv, setEnv } from './config-step.ts';
import { makeDirectoryInRoot } from './copy-files.ts';

/** A layer step ready to run: its cache key parts, its history line, and the work on the mounted rootfs. */
export interface StepPlan {
  keyParts: StepKeyParts;
  createdBy: string;
  execute(rootfs: string, onLine: (stream: 'stdout' | 'stderr', line: string) => void): Promise<void>;
}

export type RunPlan = StepPlan;

export interface RunContext {
  config: BuildContainerConfig;
  /** ARG values in scope: RUN sees them as environment variables, under ENV of the same name. */
  args: ReadonlyMap<string, string>;
  network: BuildNetwork;
  /** The cgroup RUN steps go below; layerctl's own by default. */
  cgroupParent: string | undefined;
  workspace: BuildWorkspace;
  signal: AbortSignal | undefined;
}

/** Bytes of randomness in a RUN step's container id: 64 hex digits, as Docker's. */
const CONTAINER_ID_BYTES = 32;

/** The host name a RUN step sees. */
const BUILD_HOSTNAME = 'layerctl-build';

/** RUN --network values; `default` is the build's --network. */
const RUN_NETWORKS: Record<string, 'none' | 'host' | undefined> = { none: 'none', host: 'host', default: undefined };

/**
 * RUN: the command through the executor on the step's mounted snapshot. Shell form goes through
 * SHELL (/bin/sh -c by default); a heredoc-only command (`RUN <<EOF`) runs its body as the
 * script, and other heredocs are handed to the shell as the here-documents they are.
 * The environment is the config's Env plus the ARGs in scope (ENV wins), with Docker's PATH when
 * none is set; the working directory is made when missing (it becomes part of the layer).
 */
export function planRun(instruction: RunInstruction, context: RunContext): RunPlan {
  const args = runArgs(instruction, context.config.Shell ?? DEFAULT_SHELL);
  const network = runNetwork(instruction, context.network);
  const env = runEnv(context.config.Env ?? [], context.args);
  const cwd = context.config.WorkingDir || '/';
  const user = context.config.User || 'root';
  return {
    keyParts: { instruction: ['RUN', args, networkName(network), user, cwd], args: Object.fromEntries(context.args) },
    createdBy: `RUN ${args.join(' ')}`,
    execute: (rootfs, onLine) => runInRootfs({ rootfs, args, env, cwd, user, network, cgroupParent: context.cgroupParent, workspace: context.workspace, signal: context.signal, onLine }),
  };
}

function runArgs(instruction: RunInstruction, shell: readonly string[]): string[] {
  if (instruction.command.form === 'exec') return [...instruction.command.args];
  return [...shell, shellScript(instruction.command.command, instruction.heredocs)];
}

/** `<<EOF` alone runs the body; anything else is a shell command whose here-documents follow it, as sh reads them. */
function shellScript(command: string, heredocs: readonly Heredoc[]): string {
  const [only] = heredocs;
  if (heredocs.length === 1 && only !== undefined && /^<<-?(["']?)[^\s"']+\1$/.test(command.trim())) return only.content;
  return [command, ...heredocs.map((doc) => `${withNewline(doc.content)}${doc.name}`)].join('\n');
}

function withNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

/** RUN --network=none|host; `default` (or no flag) is the build's --network. The parser refuses other values. */
function runNetwork(instruction: RunInstruction, fallback: BuildNetwork): BuildNetwork {
  return RUN_NETWORKS[instruction.network ?? 'default'] ?? fallback;
}

export function runEnv(env: readonly string[], args: ReadonlyMap<string, string>): string[] {
  let result = [...env];
  for (const [name, value] of args) if (getEnv(result, name) === undefined) result = setEnv(result, name, value);
  if (getEnv(result, 'PATH') === undefined) result = setEnv(result, 'PATH', DEFAULT_PATH);
  return result;
}

interface RunOptions {
  rootfs: string;
  args: string[];
  env: string[];
  cwd: string;
  user: string;
  network: BuildNetwork;
  cgroupParent: string | undefined;
  workspace: BuildWorkspace;
  signal: AbortSignal | undefined;
  onLine: (stream: 'stdout' | 'stderr', line: string) => void;
}

async function runInRootfs(options: RunOptions): Promise<void> {
  // Loaded on the first RUN that really runs: a fully cached build never pays for the executor.
  const { containerSpec, defaultCgroupsPath, readImageUser, startContainer, writeBundle } = await import('@layerctl/executor');
  // WORKDIR is made when missing, inside the rootfs; it becomes part of the layer, as in Docker.
  makeDirectoryInRoot(options.rootfs, options.cwd);
  const bundle = options.workspace.folder('bundle');
  // A container id as Docker makes them: random from its first character, since names derived
  // from it (cgroups, a bridge endpoint's veth) keep only a prefix.
  const id = randomBytes(CONTAINER_ID_BYTES).toString('hex');
  try {
    const spec = containerSpec({
      rootfs: options.rootfs,
      args: options.args,
      env: options.env,
      cwd: options.cwd,
      user: readImageUser(options.rootfs, options.user),
      hostname: BUILD_HOSTNAME,
      terminal: false,
      network: await stepSpecNetwork(options.network, id),
      mounts: [],
      cgroupsPath: options.cgroupParent === undefined ? defaultCgroupsPath(id) : `${options.cgroupParent}/${id}`,
    });
    writeBundle(bundle, spec);
    options.signal?.throwIfAborted();
    const container = await startContainer({ id, bundle, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
    const kill = (): void => container.kill('SIGKILL');
    options.signal?.addEventListener('abort', kill, { once: true });
    try {
      const [status] = await Promise.all([container.wait(), forwardLines(container.stdout, 'stdout', options.onLine), forwardLines(container.stderr, 'stderr', options.onLine)]);
      options.signal?.throwIfAborted();
      if (status.code !== 0) {
        const how = status.signal !== undefined ? `was killed by ${status.signal}` : `returned a non-zero code: ${status.code}`;
        throw new FailedPreconditionError(`the command ${JSON.stringify(options.args.join(' '))} ${how}${status.oomKilled ? ' (out of memory)' : ''}`);
      }
    } finally {
      options.signal?.removeEventListener('abort', kill);
    }
  } finally {
    if (typeof options.network !== 'string') options.network.detach(id);
    options.workspace.release(bundle);
  }
}

/**
 * Passes the stream's lines on until it ends or closes. Not readline's async iterator: a stream
 * that ended before it is asked (Node resumes and drains a child's unread pipes when the child
 * exits, which a command as quick as `chmod` does before the start resolves) never makes it
 * finish, and with nothing else pending the whole process would exit mid-build.
 */
export async function forwardLines(stream: Readable | undefined, name: 'stdout' | 'stderr', onLine: RunOptions['onLine']): Promise<void> {
  if (stream === undefined || stream.readableEnded || stream.destroyed) return;
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', (line) => onLine(name, line));
  await new Promise<void>((resolve) => {
    lines.once('close', resolve);
    stream.once('close', resolve);
  });
}
