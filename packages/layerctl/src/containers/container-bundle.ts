import fs from 'node:fs';
import { containerSpec, readImageUser, writeBundle } from '@layerctl/executor';
import { mkdirInRoot } from '@layerctl/sys';
import type { ContainerConfig, ContainerResources } from './container-config.ts';
import { containerPaths, type ContainerPaths } from './container-paths.ts';
import { EXTERNAL_RUNTIME_SPEC_VERSION } from './runtime-command.ts';
import type { ContainerRecord } from './container-store.ts';
import { specNetwork } from '../networks/connect-network.ts';

type SpecOptions = Parameters<typeof containerSpec>[0];
type SpecMount = SpecOptions['mounts'][number];
type SpecResources = NonNullable<SpecOptions['resources']>;

/** The /etc files every container gets from its directory, by their path inside it. */
const ETC_BINDS: ReadonlyArray<[keyof ContainerPaths, string]> = [
  ['hosts', '/etc/hosts'],
  ['hostname', '/etc/hostname'],
  ['resolvConf', '/etc/resolv.conf'],
];

/**
 * Writes <dir>/config.json for a container whose rootfs is mounted: the executor's Docker
 * defaults (containerSpec) with the container's process, user (looked up in the image's own
 * /etc/passwd and /etc/group), working directory (made when missing, as Docker does), /etc
 * binds, volumes, limits, network and cgroup. crun and runc run the same bundle.
 */
export function writeContainerBundle(rootDir: string, record: ContainerRecord): void {
  const paths = containerPaths(rootDir, record.id);
  const { config } = record;
  const user = readImageUser(paths.rootfs, config.user === '' ? '0' : config.user);
  makeWorkdir(paths.rootfs, config.cwd);
  const env = config.env.some((entry) => entry.startsWith('HOME=')) ? config.env : [...config.env, `HOME=${user.home}`];
  const spec = containerSpec({
    rootfs: paths.rootfs,
    args: record.command,
    env,
    cwd: config.cwd,
    user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
    hostname: config.hostname,
    terminal: config.tty,
    network: specNetwork(rootDir, record.id, config.network),
    mounts: [...etcMounts(paths), ...config.mounts.map(volumeMount)],
    resources: specResources(config.resources),
    cgroupsPath: config.cgroupsPath,
  });
  writeBundle(paths.dir, config.runtime === 'layerctl' ? spec : externalRuntimeSpec(spec));
}

/** Docker makes a missing working directory; inside the rootfs, through the image's symlinks resolved in it, never onto the host. */
function makeWorkdir(rootfs: string, cwd: string): void {
  const rootFd = fs.openSync(rootfs, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    mkdirInRoot(rootFd, cwd);
  } finally {
    fs.closeSync(rootFd);
  }
}

/**
 * The bundle as crun and runc take it: an older spec version (see EXTERNAL_RUNTIME_SPEC_VERSION),
 * and the cgroup path absolute, as our executor reads a relative one: runc and crun take a
 * relative path from their own cgroup, which may be anywhere in a hierarchy.
 */
function externalRuntimeSpec(spec: ReturnType<typeof containerSpec>): ReturnType<typeof containerSpec> {
  const cgroupsPath = spec.linux.cgroupsPath;
  return {
    ...spec,
    ociVersion: EXTERNAL_RUNTIME_SPEC_VERSION,
    linux: { ...spec.linux, ...(cgroupsPath === undefined ? {} : { cgroupsPath: `/${cgroupsPath.replace(/^\/+/, '')}` }) },
  };
}

function etcMounts(paths: ContainerPaths): SpecMount[] {
  return ETC_BINDS.map(([file, destination]) => ({ destination, type: 'bind', source: paths[file], options: ['rbind', 'rprivate'] }));
}

function volumeMount(mount: ContainerConfig['mounts'][number]): SpecMount {
  return { destination: mount.destination, type: 'bind', source: mount.source, options: ['rbind', 'rprivate', mount.readonly ? 'ro' : 'rw'] };
}

/** The limits as OCI resources; memory with as much swap again, Docker's default when --memory-swap is not given. */
export function specResources(resources: ContainerResources): SpecResources {
  const spec: SpecResources = {};
  if (resources.memoryBytes !== undefined) spec.memory = { limit: resources.memoryBytes, swap: 2 * resources.memoryBytes };
  const cpu: NonNullable<SpecResources['cpu']> = {};
  if (resources.cpuShares !== undefined) cpu.shares = resources.cpuShares;
  if (resources.cpuQuota !== undefined) cpu.quota = resources.cpuQuota;
  if (resources.cpuPeriod !== undefined) cpu.period = resources.cpuPeriod;
  if (resources.cpusetCpus !== undefined) cpu.cpus = resources.cpusetCpus;
  if (Object.keys(cpu).length > 0) spec.cpu = cpu;
  if (resources.pidsLimit !== undefined) spec.pids = { limit: resources.pidsLimit };
  return spec;
}
