import { FailedPreconditionError } from '@layerctl/sys';
import { validatePublishedPorts, type PublishedPort } from '../networks/published-port.ts';

/** The OCI runtimes `run --runtime` can hand the bundle to; 'layerctl' is our own executor. */
export const RUNTIMES = ['layerctl', 'crun', 'runc'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

/** none, host, bridge, a network's name, or container:<id> (networks/network-mode.ts reads it). */
export type NetworkMode = string;

/** One -v: a host directory or a named volume on a path inside the container. */
export interface VolumeMount {
  /** The host directory bound (for a named volume: its _data directory). */
  source: string;
  destination: string;
  readonly: boolean;
  /** The named volume, when it is one (it outlives the container). */
  volume?: string;
  /** -v NAME:DST:nocopy: the named volume is not filled from the image when new (fill-volumes.ts). */
  nocopy?: boolean;
}

/** The limits of `run` in the units its options take, before they become OCI resources. */
export interface ContainerResources {
  memoryBytes?: number;
  /** CFS quota per period: --cpus 1.5 is 150000 of 100000. */
  cpuQuota?: number;
  cpuPeriod?: number;
  cpuShares?: number;
  cpusetCpus?: string;
  pidsLimit?: number;
}

/**
 * How a container was asked to run: what `run` resolved from its options and the image, kept
 * (as JSON in containers.config) so that a later command (ps, the monitor, commit) sees it.
 */
export interface ContainerConfig {
  hostname: string;
  env: string[];
  cwd: string;
  /** The -u (or image USER) text; '' for root. */
  user: string;
  mounts: VolumeMount[];
  resources: ContainerResources;
  network: NetworkMode;
  /** -p: host ports forwarded to the container (a bridge network only). */
  ports: PublishedPort[];
  autoRemove: boolean;
  tty: boolean;
  interactive: boolean;
  runtime: RuntimeName;
  /** The cgroup path below each hierarchy's root ('layerctl/<id>' unless --cgroup-parent). */
  cgroupsPath: string;
  /** The image config's Entrypoint/Cmd as used, for commit (so the new image keeps them). */
  imageEntrypoint: string[];
  imageCmd: string[];
  /** The signal `stop` sends first: the image's STOPSIGNAL, else SIGTERM (Docker's). */
  stopSignal: string;
}

/** Checks a config read back from metadata.db (outside data: the file may be damaged or old). */
export function validateContainerConfig(value: unknown, where: string): ContainerConfig {
  const object = asObject(value, where);
  const field = (name: string): unknown => object[name];
  return {
    hostname: text(field('hostname'), `${where}.hostname`),
    env: texts(field('env'), `${where}.env`),
    cwd: text(field('cwd'), `${where}.cwd`),
    user: text(field('user'), `${where}.user`),
    mounts: list(field('mounts'), `${where}.mounts`).map((mount, i) => validateVolumeMount(mount, `${where}.mounts[${i}]`)),
    resources: validateResources(field('resources'), `${where}.resources`),
    network: text(field('network'), `${where}.network`),
    ports: validatePublishedPorts(field('ports'), `${where}.ports`),
    autoRemove: flag(field('autoRemove'), `${where}.autoRemove`),
    tty: flag(field('tty'), `${where}.tty`),
    interactive: flag(field('interactive'), `${where}.interactive`),
    runtime: oneOf(field('runtime'), RUNTIMES, `${where}.runtime`),
    cgroupsPath: text(field('cgroupsPath'), `${where}.cgroupsPath`),
    imageEntrypoint: texts(field('imageEntrypoint'), `${where}.imageEntrypoint`),
    imageCmd: texts(field('imageCmd'), `${where}.imageCmd`),
    stopSignal: text(field('stopSignal'), `${where}.stopSignal`),
  };
}

function validateVolumeMount(value: unknown, where: string): VolumeMount {
  const object = asObject(value, where);
  const mount: VolumeMount = {
    source: text(object['source'], `${where}.source`),
    destination: text(object['destination'], `${where}.destination`),
    readonly: flag(object['readonly'], `${where}.readonly`),
  };
  if (object['volume'] !== undefined) mount.volume = text(object['volume'], `${where}.volume`);
  if (object['nocopy'] !== undefined) mount.nocopy = flag(object['nocopy'], `${where}.nocopy`);
  return mount;
}

function validateResources(value: unknown, where: string): ContainerResources {
  const object = asObject(value, where);
  const resources: ContainerResources = {};
  for (const key of ['memoryBytes', 'cpuQuota', 'cpuPeriod', 'cpuShares', 'pidsLimit'] as const) {
    const given = object[key];
    if (given !== undefined) resources[key] = integer(given, `${where}.${key}`);
  }
  if (object['cpusetCpus'] !== undefined) resources.cpusetCpus = text(object['cpusetCpus'], `${where}.cpusetCpus`);
  return resources;
}

function damaged(where: string, wanted: string): FailedPreconditionError {
  return new FailedPreconditionError(`metadata.db: ${where} is not ${wanted}; the container record is damaged (layerctl rm -f it)`);
}

function asObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw damaged(where, 'an object');
  return Object.fromEntries(Object.entries(value));
}

function list(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw damaged(where, 'an array');
  return value;
}

function text(value: unknown, where: string): string {
  if (typeof value !== 'string') throw damaged(where, 'a string');
  return value;
}

function texts(value: unknown, where: string): string[] {
  return list(value, where).map((item, i) => text(item, `${where}[${i}]`));
}

function flag(value: unknown, where: string): boolean {
  if (typeof value !== 'boolean') throw damaged(where, 'true or false');
  return value;
}

function integer(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw damaged(where, 'an integer');
  return value;
}

function oneOf<T extends string>(value: unknown, choices: readonly T[], where: string): T {
  const found = choices.find((choice) => choice === value);
  if (found === undefined) throw damaged(where, `one of ${choices.join(', ')}`);
  return found;
}

/** Parses a JSON array of strings stored by this module (containers.command). */
export function parseCommand(textValue: string, where: string): string[] {
  return texts(parseColumn(textValue, where), where);
}

export function parseConfig(textValue: string, where: string): ContainerConfig {
  return validateContainerConfig(parseColumn(textValue, where), where);
}

function parseColumn(textValue: string, where: string): unknown {
  try {
    return JSON.parse(textValue);
  } catch (err) {
    throw new FailedPreconditionError(`metadata.db: ${where} is not JSON; the container record is damaged (layerctl rm -f it)`, { cause: err });
  }
}
