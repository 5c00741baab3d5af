import { InvalidArgumentError } from '@layerctl/sys';

/** Docker's PATH for an image that sets none (oci-spec's default, as dockerd writes it). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** The TERM a container with a terminal (-t) gets unless the image or -e says otherwise. */
export const TTY_TERM = 'xterm';

/** What the image's config says about starting a container (OCI config.config, Docker's names). */
export interface ImageProcessDefaults {
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  User?: string;
}

/** What `run` was given that bears on the process. */
export interface ProcessRequest {
  /** The words after IMAGE. */
  args: string[];
  /** --entrypoint: '' clears the image's. */
  entrypoint: string | undefined;
  /** -e values: KEY=VALUE, or KEY alone to pass the host's value. */
  env: string[];
  workdir: string | undefined;
  user: string | undefined;
  hostname: string;
  tty: boolean;
}

export interface ResolvedProcess {
  argv: string[];
  env: string[];
  cwd: string;
  /** '' means root. */
  user: string;
  /** The image's Entrypoint and Cmd as they stand after the overrides (commit keeps them). */
  entrypoint: string[];
  cmd: string[];
}

/**
 * Docker's rules for the process of a container:
 * - argv is ENTRYPOINT + CMD; words after IMAGE replace CMD; --entrypoint replaces ENTRYPOINT
 *   and also drops the image's CMD (only the words after IMAGE follow it).
 * - env: PATH (when the image sets none), HOSTNAME, TERM with -t, then the image's Env, then -e,
 *   each later value of a name replacing the earlier one in place.
 * - cwd: -w, else WorkingDir, else /. user: -u, else USER, else root.
 */
export function resolveProcess(image: ImageProcessDefaults, request: ProcessRequest, hostEnv: NodeJS.ProcessEnv = process.env): ResolvedProcess {
  const entrypoint = request.entrypoint === undefined ? (image.Entrypoint ?? []) : request.entrypoint === '' ? [] : [request.entrypoint];
  const cmd = request.args.length > 0 || request.entrypoint !== undefined ? request.args : (image.Cmd ?? []);
  const argv = [...entrypoint, ...cmd];
  if (argv.length === 0) throw new InvalidArgumentError('no command given: the image has no ENTRYPOINT or CMD; name one after the image');
  const base = [`HOSTNAME=${request.hostname}`, ...(request.tty ? [`TERM=${TTY_TERM}`] : [])];
  const imageEnv = image.Env ?? [];
  if (!imageEnv.some((entry) => envName(entry) === 'PATH')) base.unshift(`PATH=${DEFAULT_PATH}`);
  const env = mergeEnv(mergeEnv(base, imageEnv), request.env.flatMap((entry) => userEnv(entry, hostEnv)));
  const cwd = request.workdir ?? (image.WorkingDir !== undefined && image.WorkingDir !== '' ? image.WorkingDir : '/');
  if (!cwd.startsWith('/')) throw new InvalidArgumentError(`working directory ${JSON.stringify(cwd)} must be an absolute path`);
  return { argv, env, cwd, user: request.user ?? image.User ?? '', entrypoint, cmd };
}

function envName(entry: string): string {
  const eq = entry.indexOf('=');
  return eq === -1 ? entry : entry.slice(0, eq);
}

/** `base` with each of `more` appended, or put in place of the entry of the same name. */
export function mergeEnv(base: readonly string[], more: readonly string[]): string[] {
  const merged = [...base];
  for (const entry of more) {
    const at = merged.findIndex((existing) => envName(existing) === envName(entry));
    if (at === -1) merged.push(entry);
    else merged[at] = entry;
  }
  return merged;
}

/** One -e: KEY=VALUE as given; KEY alone takes the host's value, or nothing when the host has none. */
function userEnv(entry: string, hostEnv: NodeJS.ProcessEnv): string[] {
  const name = envName(entry);
  if (name === '') throw new InvalidArgumentError(`-e ${JSON.stringify(entry)}: a variable needs a name (KEY=VALUE)`);
  if (entry.includes('=')) return [entry];
  const value = hostEnv[name];
  return value === undefined ? [] : [`${name}=${value}`];
}
