import { InvalidArgumentError } from '@layerctl/sys';

/**
 * Linux capability numbers (<linux/capability.h>) by the names the OCI runtime spec uses, up to
 * CAP_CHECKPOINT_RESTORE (40, Linux 5.9). The index in this list is the capability number.
 */
export const CAPABILITY_NAMES: readonly string[] = [
  'CAP_CHOWN', // 0
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL', // 5
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE', // 10
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER', // 15
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', // 20
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME', // 25
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL', // 30
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM', // 35
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE', // 40
];

/**
 * Docker's default capability set (moby's oci/caps DefaultCapabilities): what a container's root
 * holds unless --cap-add/--cap-drop say otherwise. CapEff of such a process is 00000000a80425fb.
 */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** The number of a capability named as the spec names it ('CAP_SYS_ADMIN'); an unknown name is refused. */
export function capabilityNumber(name: string): number {
  const n = CAPABILITY_NAMES.indexOf(name);
  if (n < 0) throw new InvalidArgumentError(`unknown capability ${JSON.stringify(name)} (expected a name such as CAP_CHOWN)`);
  return n;
}

/** The bit mask of a list of capability names (bit n = capability n), as capset takes it. */
export function capabilityMask(names: readonly string[] = []): bigint {
  let mask = 0n;
  for (const name of names) mask |= 1n << BigInt(capabilityNumber(name));
  return mask;
}

/** The names of the capabilities in `mask`, by number; bits beyond the table are named CAP_<n>. */
export function capabilityNames(mask: bigint): string[] {
  const names: string[] = [];
  for (let n = 0; mask >> BigInt(n) !== 0n; n++) {
    if (((mask >> BigInt(n)) & 1n) === 1n) names.push(CAPABILITY_NAMES[n] ?? `CAP_${n}`);
  }
  return names;
}

/** A mask as /proc/<pid>/status prints CapEff, CapPrm, CapBnd...: 16 lower-case hex digits. */
export function formatCapabilityMask(mask: bigint): string {
  return mask.toString(16).padStart(16, '0');
}
