import os from 'node:os';
import type { Seccomp, SeccompSyscall } from '../spec/runtime-spec.ts';
import { DEFAULT_CAPABILITIES } from './capabilities.ts';
import { DOCKER_SECCOMP_PROFILE, type Profile, type ProfileCondition, type ProfileRule } from './docker-seccomp-profile.ts';

/** Node's process.arch → the Go name moby's profile uses. */
const GO_ARCH: Readonly<Record<string, string>> = {
  x64: 'amd64',
  ia32: '386',
  arm64: 'arm64',
  arm: 'arm',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

export interface SeccompHost {
  /** Node's process.arch. */
  arch: string;
  /** The kernel release, as os.release() gives it ("6.18.44-..."). */
  kernel: string;
}

/** [major, minor] of a kernel release or "major.minor"; anything unreadable counts as 0.0. */
function kernelVersion(release: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m === null ? [0, 0] : [Number(m[1]), Number(m[2])];
}

function atLeast(kernel: string, min: string): boolean {
  const [major, minor] = kernelVersion(kernel);
  const [minMajor, minMinor] = kernelVersion(min);
  return major > minMajor || (major === minMajor && minor >= minMinor);
}

function includes(cond: ProfileCondition | undefined, caps: readonly string[], goArch: string, kernel: string): boolean {
  if (cond === undefined) return true;
  if (cond.caps !== undefined && !cond.caps.every((c) => caps.includes(c))) return false;
  if (cond.arches !== undefined && !cond.arches.includes(goArch)) return false;
  return cond.minKernel === undefined || atLeast(kernel, cond.minKernel);
}

function excludes(cond: ProfileCondition | undefined, caps: readonly string[], goArch: string): boolean {
  if (cond === undefined) return false;
  return (cond.caps?.some((c) => caps.includes(c)) ?? false) || (cond.arches?.includes(goArch) ?? false);
}

function specRule(rule: ProfileRule): SeccompSyscall {
  const out: SeccompSyscall = { names: [...rule.names], action: rule.action };
  if (rule.errnoRet !== undefined) out.errnoRet = rule.errnoRet;
  if (rule.args !== undefined) out.args = rule.args.map((a) => ({ ...a }));
  return out;
}

/**
 * The runtime-spec filter Docker would give a container holding `capabilities` (its bounding
 * set; Docker's default set unless given) on this host: Docker's default profile with the rules
 * whose capability, architecture and kernel conditions hold. Calls not allowed fail with EPERM.
 */
export function dockerDefaultSeccomp(
  capabilities: readonly string[] = DEFAULT_CAPABILITIES,
  host: SeccompHost = { arch: process.arch, kernel: os.release() },
  profile: Profile = DOCKER_SECCOMP_PROFILE,
): Seccomp {
  const goArch = GO_ARCH[host.arch] ?? host.arch;
  const syscalls = profile.rules
    .filter((r) => includes(r.includes, capabilities, goArch, host.kernel) && !excludes(r.excludes, capabilities, goArch))
    .map(specRule);
  const seccomp: Seccomp = { defaultAction: profile.defaultAction, defaultErrnoRet: profile.defaultErrnoRet, syscalls };
  const architectures = profile.archMap[goArch];
  if (architectures !== undefined) seccomp.architectures = [...architectures];
  return seccomp;
}
