import {
  ambientClearAll,
  ambientRaise,
  capbsetDrop,
  capbsetRead,
  capget,
  capLastCap,
  capset,
  FailedPreconditionError,
  InvalidArgumentError,
  loadSeccompProgram,
  setgroups,
  setKeepCaps,
  setNoNewPrivs,
  setresgid,
  setresuid,
  type CapabilitySets,
} from '@layerctl/sys';
import type { Capabilities, Process, Seccomp } from '../spec/runtime-spec.ts';
import { capabilityMask, capabilityNames, capabilityNumber } from './capabilities.ts';
import { compileSeccomp } from './load-seccomp.ts';
import { applyRlimits } from './rlimits.ts';

/**
 * Gives the calling thread the identity and privileges of the container's process, as runc
 * does right before execve: call it on the init's main thread (the one that will execve), after
 * pivot_root and every mount, since it drops the capabilities those need. Irreversible.
 *
 * Order, and why:
 * 0. capability names and sets are checked and the filter is compiled: a spec that cannot be
 *    applied fails while the process is still as it was.
 * 1. umask and rlimits, while CAP_SYS_RESOURCE (if held at all) is still there.
 * 2. no_new_privs when asked.
 * 3. the bounding set is cut to `bounding` (PR_CAPBSET_DROP needs CAP_SETPCAP, so before capset).
 * 4. without no_new_privs, loading a seccomp filter needs CAP_SYS_ADMIN: the filter is loaded
 *    here, while it is held (runc does the same); Docker's profile allows every call that follows.
 * 5. keepcaps, so the switch away from uid 0 keeps the permitted set; setgroups, setresgid,
 *    setresuid (glibc applies these to every thread; capabilities stay per thread).
 * 6. capset(effective, permitted, inheritable), then the ambient set.
 * 7. with no_new_privs, the filter is loaded last, so it never has to allow the calls above.
 *
 * After execve a uid-0 process holds its bounding set (Docker: CapEff = the default set); any
 * other uid holds only its ambient set, so a non-root user ends with CapEff 0 unless the spec
 * gives ambient capabilities. Pass `seccomp` here (the spec's object, or its program from
 * seccompProgram), or load it yourself with loadSeccomp later (which then needs no_new_privs, or
 * CAP_SYS_ADMIN still effective).
 */
export function applyProcessSecurity(spec: Process, seccomp?: Seccomp | Buffer): void {
  // Everything that can be refused (names, the filter) is checked before the first irreversible step.
  const caps = spec.capabilities === undefined ? undefined : capabilityPlan(spec.capabilities);
  const program = seccomp === undefined || Buffer.isBuffer(seccomp) ? seccomp : compileSeccomp(seccomp);
  if (spec.user.umask !== undefined) process.umask(spec.user.umask);
  applyRlimits(spec.rlimits ?? []);
  const noNewPrivileges = spec.noNewPrivileges === true;
  if (noNewPrivileges) setNoNewPrivs();
  if (caps !== undefined) dropBounding(caps.bounding);
  if (program !== undefined && !noNewPrivileges) loadSeccompProgram(program);
  switchUser(spec.user.uid, spec.user.gid, spec.user.additionalGids ?? []);
  if (caps !== undefined) setCapabilities(caps);
  if (program !== undefined && noNewPrivileges) loadSeccompProgram(program);
}

interface CapabilityPlan {
  bounding: bigint;
  sets: CapabilitySets;
  ambient: number[];
}

function capabilityPlan(caps: Capabilities): CapabilityPlan {
  const plan = {
    bounding: capabilityMask(caps.bounding),
    sets: {
      effective: capabilityMask(caps.effective),
      permitted: capabilityMask(caps.permitted),
      inheritable: capabilityMask(caps.inheritable),
    },
    ambient: (caps.ambient ?? []).map(capabilityNumber),
  };
  checkPlan(plan, capget().permitted);
  return plan;
}

/**
 * What capset and the ambient raise would refuse, said in the spec's terms and before anything
 * changed: a capability the caller does not hold itself (this host's root lacks CAP_SYS_RESOURCE),
 * effective outside permitted, ambient outside permitted and inheritable.
 */
function checkPlan(plan: CapabilityPlan, held: bigint): void {
  const notHeld = plan.sets.permitted & ~held;
  if (notHeld !== 0n) {
    throw new FailedPreconditionError(
      `capabilities ${capabilityNames(notHeld).join(', ')} are asked for but layerctl does not hold them on this host; drop them from the spec`,
    );
  }
  const notPermitted = plan.sets.effective & ~plan.sets.permitted;
  if (notPermitted !== 0n) {
    throw new InvalidArgumentError(`effective capabilities ${capabilityNames(notPermitted).join(', ')} are not in the permitted set`);
  }
  const ambient = plan.ambient.reduce((mask, cap) => mask | (1n << BigInt(cap)), 0n);
  const notRaisable = ambient & ~(plan.sets.permitted & plan.sets.inheritable);
  if (notRaisable !== 0n) {
    throw new InvalidArgumentError(
      `ambient capabilities ${capabilityNames(notRaisable).join(', ')} must be both permitted and inheritable`,
    );
  }
}

/** Drops every capability the kernel knows that `keep` does not hold. */
function dropBounding(keep: bigint): void {
  for (let cap = 0; cap <= capLastCap(); cap++) {
    if (((keep >> BigInt(cap)) & 1n) === 0n && capbsetRead(cap)) capbsetDrop(cap);
  }
}

function switchUser(uid: number, gid: number, additionalGids: readonly number[]): void {
  setKeepCaps(true);
  // The supplementary groups are replaced even when empty: the init must not carry layerctl's own.
  setgroups(additionalGids);
  setresgid(gid);
  setresuid(uid);
  setKeepCaps(false);
}

function setCapabilities(plan: CapabilityPlan): void {
  capset(plan.sets);
  ambientClearAll();
  for (const cap of plan.ambient) ambientRaise(cap);
}
