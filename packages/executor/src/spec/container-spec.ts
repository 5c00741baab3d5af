import { DEFAULT_CAPABILITIES } from '../security/capabilities.ts';
import { dockerDefaultSeccomp } from '../security/docker-default-seccomp.ts';
import { dockerDefaultRlimits } from '../security/rlimits.ts';
import { DOCKER_MASKED_PATHS, DOCKER_READONLY_PATHS, dockerDefaultDeviceRules, dockerDefaultMounts } from './docker-defaults.ts';
import type { Mount, Namespace, Resources, Spec } from './runtime-spec.ts';

/**
 * The ociVersion written: the oldest version that has every field written here. crun 1.8 (Debian
 * 12) refuses "1.2.0" ("unknown version specified") and runs 1.1.0 bundles; runc takes both.
 */
export const WRITTEN_SPEC_VERSION = '1.1.0';

/** What a container needs beyond Docker's defaults; layerctl and the builder fill it in. */
export interface ContainerSpecOptions {
  /** The mounted root filesystem, absolute (or relative to the bundle directory). */
  rootfs: string;
  args: string[];
  env: string[];
  cwd: string;
  user: { uid: number; gid: number; additionalGids: number[] };
  hostname: string;
  terminal: boolean;
  /** 'none': a network namespace with only `lo`; 'host': the host's; path: a netns file to join. */
  network: 'none' | 'host' | { path: string };
  /** Extra mounts (volumes, the /etc/hosts binds), in spec form, mounted after the defaults. */
  mounts: Mount[];
  resources?: Resources;
  readonlyRootfs?: boolean;
  /** 'layerctl/<id>': relative, placed under each hierarchy's root. */
  cgroupsPath: string;
}

/**
 * The OCI runtime spec of a container as `docker run` would make it: Docker's default mounts,
 * masked and read-only paths, capabilities, rlimits and device rules, and new pid, mount, uts,
 * ipc, cgroup and (unless host) network namespaces. No user namespace: see the README.
 */
export function containerSpec(options: ContainerSpecOptions): Spec {
  const caps = [...DEFAULT_CAPABILITIES];
  return {
    ociVersion: WRITTEN_SPEC_VERSION,
    process: {
      terminal: options.terminal,
      user: { uid: options.user.uid, gid: options.user.gid, additionalGids: [...options.user.additionalGids] },
      args: [...options.args],
      env: [...options.env],
      cwd: options.cwd,
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits: dockerDefaultRlimits(),
      noNewPrivileges: true,
    },
    root: { path: options.rootfs, readonly: options.readonlyRootfs === true },
    hostname: options.hostname,
    mounts: [...dockerDefaultMounts(), ...options.mounts],
    linux: {
      namespaces: namespaces(options.network),
      cgroupsPath: options.cgroupsPath,
      resources: { ...options.resources, devices: [...dockerDefaultDeviceRules(), ...(options.resources?.devices ?? [])] },
      maskedPaths: [...DOCKER_MASKED_PATHS],
      readonlyPaths: [...DOCKER_READONLY_PATHS],
      seccomp: dockerDefaultSeccomp(caps),
      ...(options.network === 'host' ? {} : { sysctl: { ...DOCKER_NETWORK_SYSCTLS } }),
    },
  };
}

/**
 * What Docker (20.10 on) sets in a container's own network namespace: any port can be bound and
 * ping works without CAP_NET_RAW.
 */
const DOCKER_NETWORK_SYSCTLS: Readonly<Record<string, string>> = {
  'net.ipv4.ip_unprivileged_port_start': '0',
  'net.ipv4.ping_group_range': '0 2147483647',
};

function namespaces(network: ContainerSpecOptions['network']): Namespace[] {
  const own: Namespace[] = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'cgroup' }];
  if (network === 'none') return [...own, { type: 'network' }];
  if (network === 'host') return own;
  return [...own, { type: 'network', path: network.path }];
}
