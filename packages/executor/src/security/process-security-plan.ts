import { capget, FailedPreconditionError, InvalidArgumentError } from '@layerctl/sys';
import { type InitOp, initOp } from '../init/init-plan.ts';
import type { Capabilities, Process } from '../spec/runtime-spec.ts';
import { capabilityMask, capabilityNames, capabilityNumber } from './capabilities.ts';
import { rlimitsPlan } from './rlimits.ts';

/**
 * The plan that gives the init the identity and privileges of the container's process, as runc
 * does right before execve: after pivot_root and every mount, since it drops the capabilities
 * those need. `seccomp` is the compiled BPF program (seccompProgram). `held` is what the init
 * will hold: the caller's permitted set, which a root-run init inherits.
 *
 * Order, and why:
 * 0. capability names and sets are checked here: a spec that cannot be applied is refused
 *    before the init starts.
 * 1. umask and rlimits, while CAP_SYS_RESOURCE (if held at all) is still there.
 * 2. no_new_privs when asked.
 * 3. the bounding set is cut to `bounding` (PR_CAPBSET_DROP needs CAP_SETPCAP, so before capset).
 * 4. without no_new_privs, loading a seccomp filter needs CAP_SYS_ADMIN: the filter is loaded
 *    here, while it is held (runc does the same); Docker's profile allows every call that follows.
 * 5. keepcaps, so the switch away from uid 0 keeps the permitted set; setgroups, setresgid,
 *    setresuid.
 * 6. capset(effective, permitted, inheritable), then the ambient set.
 * 7. with no_new_privs, the filter is loaded last, so it never has to allow the calls above.
 *
 * After execve a uid-0 process holds its bounding set (Docker: CapEff = the default set); any
 * other uid holds only its ambient set, so a non-root user ends with CapEff 0 unless the spec
 * gives ambient capabilities.
 */
export function processSecurityPlan(spec: Process, seccomp?: Buffer, held: bigint = capget().permitted): InitOp[] {
  const caps = spec.capabilities === undefined ? undefined : capabilityPlan(spec.capabilities, held);
  const ops: InitOp[] = [];
  if (spec.user.umask !== undefined) ops.push(initOp('umask', spec.user.umask));
  ops.push(...rlimitsPlan(spec.rlimits ?? []));
  const noNewPrivileges = spec.noNewPrivileges === true;
  if (noNewPrivileges) ops.push(initOp('no_new_privs'));
  if (caps !== undefined) ops.push(initOp('drop_bounding', caps.bounding));
  if (seccomp !== undefined && !noNewPrivileges) ops.push(initOp('seccomp', seccomp));
  ops.push(initOp('switch_user', spec.user.uid, spec.user.gid, spec.user.additionalGids ?? []));
  if (caps !== undefined) ops.push(initOp('capabilities', caps.effective, caps.permitted, caps.inheritable, caps.ambient));
  if (seccomp !== undefined && noNewPrivileges) ops.push(initOp('seccomp', seccomp));
  return ops;
}

interface CapabilityPlan {
  bounding: bigint;
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
  ambient: number[];
}

function capabilityPlan(caps: Capabilities, held: bigint): CapabilityPlan {
  const plan = {
    bounding: capabilityMask(caps.bounding),
    effective: capabilityMask(caps.effective),
    permitted: capabilityMask(caps.permitted),
    inheritable: capabilityMask(caps.inheritable),
    ambient: (caps.ambient ?? []).map(capabilityNumber),
  };
  checkPlan(plan, held);
  return plan;
}

/**
 * What capset and the ambient raise would refuse, said in the spec's terms and before anything
 * changed: a capability the caller does not hold itself (this host's root lacks CAP_SYS_RESOURCE),
 * effective outside permitted, ambient outside permitted and inheritable.
 */
function checkPlan(plan: CapabilityPlan, held: bigint): void {
  const notHeld = plan.permitted & ~held;
  if (notHeld !== 0n) {
    throw new FailedPreconditionError(
      `capabilities ${capabilityNames(notHeld).join(', ')} are asked for but layerctl does not hold them on this host; drop them from the spec`,
    );
  }
  const notPermitted = plan.effective & ~plan.permitted;
  if (notPermitted !== 0n) {
    throw new InvalidArgumentError(`effective capabilities ${capabilityNames(notPermitted).join(', ')} are not in the permitted set`);
  }
  const ambient = plan.ambient.reduce((mask, cap) => mask | (1n << BigInt(cap)), 0n);
  const notRaisable = ambient & ~(plan.permitted & plan.inheritable);
  if (notRaisable !== 0n) {
    throw new InvalidArgumentError(
      `ambient capabilities ${capabilityNames(notRaisable).join(', ')} must be both permitted and inheritable`,
    );
  }
}
