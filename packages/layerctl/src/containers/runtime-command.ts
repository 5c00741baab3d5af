import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { FailedPreconditionError, wrapNodeError } from '@layerctl/sys';
import { errorCode } from '@layerctl/snapshotter';
import type { RuntimeName } from './container-config.ts';

/** The cgroup2 mount systemd puts beside the v1 hierarchies on a hybrid host. */
const HYBRID_CGROUP2 = '/sys/fs/cgroup/unified';
/** Its root lists the controllers it holds; crun refuses a hybrid host where that is not empty. */
const CGROUP2_CONTROLLERS = `${HYBRID_CGROUP2}/cgroup.controllers`;
const UNHYBRID = `umount ${HYBRID_CGROUP2} && exec "$0" "$@"`;

/**
 * The OCI runtime-spec version written for crun and runc. Debian's crun 1.8 knows versions up to
 * 1.1 and refuses the executor's 1.2.0 ("unknown version specified"); nothing in our bundles
 * needs 1.2.
 */
export const EXTERNAL_RUNTIME_SPEC_VERSION = '1.0.2';

/**
 * The command line that runs `runtime ARGS`. crun refuses a hybrid cgroup host whose cgroup2
 * mount holds controllers ("cgroups in hybrid mode not supported"), so there it runs in a mount
 * namespace of its own without that mount (`unshare -m`), where it sees plain cgroups v1.
 */
export function runtimeCommand(runtime: Exclude<RuntimeName, 'layerctl'>, args: readonly string[]): [string, string[]] {
  if (runtime === 'crun' && hybridWithControllers()) return ['unshare', ['--mount', '--propagation', 'private', 'sh', '-c', UNHYBRID, runtime, ...args]];
  return [runtime, [...args]];
}

function hybridWithControllers(): boolean {
  try {
    return fs.readFileSync(CGROUP2_CONTROLLERS, 'utf8').trim() !== '' && fs.existsSync('/sys/fs/cgroup/memory');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return false;
    throw err;
  }
}

/** How crun and runc say a container id is unknown to them (already deleted). */
const NOT_KNOWN = /does not exist|not found|no such/i;

/**
 * Runs `runtime ARGS` to its end; its failure is an error naming the command and its stderr.
 * With missingOk, a container the runtime no longer knows is no failure (delete after delete).
 */
export function runRuntime(runtime: Exclude<RuntimeName, 'layerctl'>, args: string[], options: { missingOk?: boolean } = {}): void {
  const result = spawnSync(...runtimeCommand(runtime, args), { encoding: 'utf8' });
  if (result.error !== undefined) throw wrapNodeError(result.error, runtime);
  if (result.status !== 0 && options.missingOk === true && NOT_KNOWN.test(result.stderr)) return;
  if (result.status !== 0) throw new FailedPreconditionError(`${runtime} ${args.join(' ')}: ${result.stderr.trim() || `exit status ${result.status}`}`);
}
