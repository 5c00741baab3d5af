import { check } from './check.ts';
import { InvalidArgumentError } from './errors.ts';
import { lazyBinding } from './libc.ts';

/** Resource numbers from <asm-generic/resource.h>, by the names the OCI runtime spec uses. */
export const RLIMIT_RESOURCES: Readonly<Record<string, number>> = {
  RLIMIT_CPU: 0,
  RLIMIT_FSIZE: 1,
  RLIMIT_DATA: 2,
  RLIMIT_STACK: 3,
  RLIMIT_CORE: 4,
  RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6,
  RLIMIT_NOFILE: 7,
  RLIMIT_MEMLOCK: 8,
  RLIMIT_AS: 9,
  RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11,
  RLIMIT_MSGQUEUE: 12,
  RLIMIT_NICE: 13,
  RLIMIT_RTPRIO: 14,
  RLIMIT_RTTIME: 15,
};

/** "No limit": (rlim_t)-1. */
export const RLIM_INFINITY = 0xffffffffffffffffn;

export interface ResourceLimit {
  soft: bigint;
  hard: bigint;
}

interface RlimitBinding {
  prlimit(pid: number, resource: number, newLimit: Buffer | null, oldLimit: Buffer | null): number;
}

const binding = lazyBinding<RlimitBinding>((lib) => ({
  prlimit: lib.func('int prlimit(int pid, int resource, const void *new_limit, void *old_limit)'),
}));

/** The resource number for an OCI name ('RLIMIT_NOFILE'); an unknown name is refused. */
export function rlimitResource(name: string): number {
  const resource = RLIMIT_RESOURCES[name];
  if (resource === undefined) throw new InvalidArgumentError(`unknown rlimit type ${JSON.stringify(name)}`);
  return resource;
}

/** The calling process's current limits for `resource` (prlimit(2) on pid 0). */
export function getrlimit(resource: number): ResourceLimit {
  const old = Buffer.alloc(16);
  check(binding().prlimit(0, resource, null, old), 'prlimit', `resource ${resource}`);
  return { soft: old.readBigUInt64LE(0), hard: old.readBigUInt64LE(8) };
}

/**
 * Sets the calling process's limits for `resource` (prlimit(2) on pid 0; limits are per
 * process, so every thread sees them). Raising a hard limit needs CAP_SYS_RESOURCE.
 */
export function setrlimit(resource: number, limit: ResourceLimit): void {
  const buf = Buffer.alloc(16);
  buf.writeBigUInt64LE(limit.soft, 0);
  buf.writeBigUInt64LE(limit.hard, 8);
  check(binding().prlimit(0, resource, buf, null), 'prlimit', `resource ${resource} to ${limit.soft}/${limit.hard}`);
}
