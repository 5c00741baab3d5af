import type { Platform } from './descriptor.ts';

/** Node's process.arch names mapped to the GOARCH names OCI platforms use. */
const OCI_ARCHITECTURE: Partial<Record<NodeJS.Architecture, Platform>> = {
  x64: { os: 'linux', architecture: 'amd64' },
  arm64: { os: 'linux', architecture: 'arm64' },
  arm: { os: 'linux', architecture: 'arm', variant: 'v7' },
  ia32: { os: 'linux', architecture: '386' },
  // Node names little-endian 64-bit POWER 'ppc64'; Linux on POWER is little-endian today.
  ppc64: { os: 'linux', architecture: 'ppc64le' },
  s390x: { os: 'linux', architecture: 's390x' },
  riscv64: { os: 'linux', architecture: 'riscv64' },
  loong64: { os: 'linux', architecture: 'loong64' },
  mips: { os: 'linux', architecture: 'mips' },
  mipsel: { os: 'linux', architecture: 'mipsle' },
};

/** The platform of this machine, the one images are imported for and chosen from an index by. */
export function hostPlatform(arch: NodeJS.Architecture = process.arch): Platform {
  return { ...(OCI_ARCHITECTURE[arch] ?? { os: 'linux', architecture: arch }) };
}

/**
 * Whether an index entry's platform fits `host`. An entry without a platform fits (single-image
 * indexes often omit it); a variant counts only when both sides name one, as containerd's
 * default matcher does for arm64.
 */
export function platformMatches(candidate: Platform | undefined, host: Platform): boolean {
  if (candidate === undefined) return true;
  if (candidate.os !== host.os || candidate.architecture !== host.architecture) return false;
  if (candidate.variant === undefined || host.variant === undefined) return true;
  return candidate.variant === host.variant;
}
