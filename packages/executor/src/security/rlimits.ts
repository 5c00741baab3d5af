import { getrlimit, InvalidArgumentError, RLIM_INFINITY, rlimitResource } from '@layerctl/sys';
import { type InitOp, initOp } from '../init/init-plan.ts';
import type { Rlimit } from '../spec/runtime-spec.ts';

/**
 * Docker's open-files limit for containers: dockerd runs under LimitNOFILE=1048576 (its
 * systemd unit) and containers inherit it.
 */
export const DOCKER_NOFILE_LIMIT = 1048576;

/**
 * The rlimits layerctl writes into a container's spec: RLIMIT_NOFILE at Docker's 1048576, soft
 * and hard, lowered to this process's hard limit when that is smaller. Raising a hard limit needs
 * CAP_SYS_RESOURCE, which root does not hold on every host (on these test hosts root's bounding
 * set lacks it and the hard limit is 20000): asking for more would make every container fail to
 * start, as podman does here until its default_ulimits are set.
 */
export function dockerDefaultRlimits(): Rlimit[] {
  const { hard } = getrlimit(rlimitResource('RLIMIT_NOFILE'));
  const limit = hard < BigInt(DOCKER_NOFILE_LIMIT) ? Number(hard) : DOCKER_NOFILE_LIMIT;
  return [{ type: 'RLIMIT_NOFILE', soft: limit, hard: limit }];
}

/**
 * A spec value as rlim_t. JSON numbers cannot hold 2^64-1 (RLIM_INFINITY), which config.json
 * writers print as 18446744073709551615 and JSON.parse reads as 2^64: every value beyond
 * Number.MAX_SAFE_INTEGER is taken as unlimited.
 */
function rlimValue(value: number, rlimit: Rlimit): bigint {
  if (!Number.isInteger(value) || value < 0) {
    throw new InvalidArgumentError(`rlimit ${rlimit.type}: ${value} is not a limit (a whole number of 0 or more)`);
  }
  return value > Number.MAX_SAFE_INTEGER ? RLIM_INFINITY : BigInt(value);
}

/** The plan that sets each rlimit of the spec on the init (limits are per process and survive execve); all are checked here. */
export function rlimitsPlan(rlimits: readonly Rlimit[]): InitOp[] {
  return rlimits.map((rlimit) => {
    const soft = rlimValue(rlimit.soft, rlimit);
    const hard = rlimValue(rlimit.hard, rlimit);
    if (soft > hard) {
      throw new InvalidArgumentError(`rlimit ${rlimit.type}: soft limit ${rlimit.soft} is above hard limit ${rlimit.hard}`);
    }
    return initOp('rlimit', rlimit.type, rlimitResource(rlimit.type), soft, hard);
  });
}
