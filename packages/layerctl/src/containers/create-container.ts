import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { AlreadyExistsError, LayerctlError, NotFoundError } from '@layerctl/sys';
import type { ImageDetails } from '@layerctl/snapshotter';
import type { SnapshotContext } from '../with-snapshotter.ts';
import type { ContainerConfig, ContainerResources, NetworkMode, RuntimeName } from './container-config.ts';
import { randomContainerName } from './container-names.ts';
import { CONTAINER_LABEL, containerPaths, initLayerKey, initWorkKey, rwLayerKey } from './container-paths.ts';
import { ContainerStore, type ContainerRecord } from './container-store.ts';
import { writeEtcFiles } from './etc-files.ts';
import { resolveProcess } from './image-defaults.ts';
import { initLayerTar, upperDirectory, writeInitLayer } from './init-layer.ts';
import { removeContainer } from './remove-container.ts';
import type { RunProgress } from '../progress/run-progress.ts';
import { prepareVolumes, type VolumeSpec } from './volumes.ts';
import { writeContainerBundle } from './container-bundle.ts';
import { fillVolumes } from './fill-volumes.ts';
import { connectCreated, joinedHostname, networkSetting } from '../networks/container-network.ts';
import type { PublishedPort } from '../networks/published-port.ts';

/** What `stop` sends first when the image names no STOPSIGNAL (Docker's). */
const DEFAULT_STOP_SIGNAL = 'SIGTERM';
/** Bytes of randomness in a container id: 64 hex digits, as Docker's. */
const ID_BYTES = 32;
/** Hex digits of the id a container's default hostname takes, as Docker's. */
const HOSTNAME_ID_LENGTH = 12;
/** Random names tried before giving up: a collision is rare, several in a row mean a full namespace. */
const NAME_ATTEMPTS = 10;
/** A container's directory holds its config and log; nobody else on the host needs them. */
const CONTAINER_DIR_MODE = 0o700;

/** Everything `run` was asked, before any of it is checked against the image. */
export interface CreateOptions {
  image: string;
  args: string[];
  name: string | undefined;
  entrypoint: string | undefined;
  env: string[];
  workdir: string | undefined;
  user: string | undefined;
  hostname: string | undefined;
  network: NetworkMode;
  /** -p: published ports. */
  ports: PublishedPort[];
  volumes: VolumeSpec[];
  resources: ContainerResources;
  tty: boolean;
  interactive: boolean;
  autoRemove: boolean;
  runtime: RuntimeName;
  /** The cgroup the container's own cgroup is made in ('layerctl' unless --cgroup-parent). */
  cgroupParent: string;
}

/**
 * Makes a container from an image, ready to start: the record (state created), the image
 * unpacked once and shared, the init layer and the rw layer on it, the rw layer mounted on
 * <dir>/rootfs, new named volumes filled from the image (fillVolumes), the /etc files and the
 * bundle (config.json). When any step fails, what the earlier ones made is removed again
 * before the error goes on.
 */
export async function createContainer(context: SnapshotContext, options: CreateOptions, progress: RunProgress): Promise<ContainerRecord> {
  const { root, api } = context;
  const image = await api.inspectImage(root, options.image);
  await unpackIfNeeded(context, options.image, image, progress);
  const id = randomBytes(ID_BYTES).toString('hex');
  const network = networkSetting(root, options.network);
  const hostname = options.hostname ?? joinedHostname(root, network) ?? (network === 'host' ? os.hostname() : id.slice(0, HOSTNAME_ID_LENGTH));
  const resolved = resolveProcess(image.config.config ?? {}, { ...options, hostname });
  const config: ContainerConfig = {
    hostname,
    env: resolved.env,
    cwd: resolved.cwd,
    user: resolved.user,
    mounts: prepareVolumes(root, options.volumes),
    resources: options.resources,
    network,
    ports: options.ports,
    autoRemove: options.autoRemove,
    tty: options.tty,
    interactive: options.interactive,
    runtime: options.runtime,
    cgroupsPath: `${options.cgroupParent}/${id}`,
    imageEntrypoint: resolved.entrypoint,
    imageCmd: resolved.cmd,
    stopSignal: image.config.config?.StopSignal ?? DEFAULT_STOP_SIGNAL,
  };
  const store = new ContainerStore(root.metadata);
  const name = insertNamed(store, options.name, { id, image: options.image, imageId: image.id, command: resolved.argv, config, createdAt: Date.now() });
  const record = store.resolve(id);
  try {
    await makeLayers(context, record, image.layers.at(-1)?.chainId, progress);
    await fillVolumes(containerPaths(root.dir, record.id).rootfs, record.config.mounts);
    connectCreated(root, record);
    writeContainerBundle(root.dir, record);
  } catch (err) {
    await removeAfterFailure(context, record, err);
    throw err;
  }
  return { ...record, name };
}

async function unpackIfNeeded(context: SnapshotContext, ref: string, image: ImageDetails, progress: RunProgress): Promise<void> {
  const top = image.layers.at(-1)?.chainId;
  if (top === undefined || hasCommitted(context, top)) return;
  const count = image.layers.length;
  progress.step('unpack', `unpacking ${count} ${count === 1 ? 'layer' : 'layers'} of ${ref}`);
  await context.api.unpackImage(context.root, context.snapshotter, ref);
}

function hasCommitted(context: SnapshotContext, key: string): boolean {
  try {
    return context.snapshotter.stat(key).kind === 'committed';
  } catch (err) {
    if (err instanceof NotFoundError) return false;
    throw err;
  }
}

function insertNamed(store: ContainerStore, given: string | undefined, container: Omit<Parameters<ContainerStore['insert']>[0], 'name'>): string {
  if (given !== undefined) {
    store.insert({ ...container, name: given });
    return given;
  }
  for (let attempt = 0; ; attempt++) {
    const name = randomContainerName(attempt);
    try {
      store.insert({ ...container, name });
      return name;
    } catch (err) {
      if (!(err instanceof AlreadyExistsError) || attempt + 1 >= NAME_ATTEMPTS) throw err;
    }
  }
}

/** The init layer (made in place on an overlay, else applied as a tar; committed), the rw layer on it, mounted on <dir>/rootfs, and the /etc files. */
async function makeLayers(context: SnapshotContext, record: ContainerRecord, imageTop: string | undefined, progress: RunProgress): Promise<void> {
  const { root, snapshotter, api } = context;
  const paths = containerPaths(root.dir, record.id);
  const labels = { [CONTAINER_LABEL]: record.id };
  fs.mkdirSync(paths.dir, { recursive: true, mode: CONTAINER_DIR_MODE });
  progress.step('layers', 'creating the init and rw layers');
  const initMounts = await snapshotter.prepare(initWorkKey(record.id), imageTop, { labels });
  const upper = upperDirectory(initMounts);
  if (upper === undefined) await snapshotter.applyDiff(initWorkKey(record.id), initLayerTar(api));
  else writeInitLayer(upper);
  await snapshotter.commit(initLayerKey(record.id), initWorkKey(record.id), { labels });
  const mounts = await snapshotter.prepare(rwLayerKey(record.id), initLayerKey(record.id), { labels });
  writeEtcFiles(paths, record.config.hostname, record.config.network);
  progress.step('mount', 'mounting the root filesystem');
  fs.mkdirSync(paths.rootfs, { recursive: true });
  api.mountAll(mounts, paths.rootfs);
}

async function removeAfterFailure(context: SnapshotContext, record: ContainerRecord, cause: unknown): Promise<void> {
  try {
    await removeContainer(context, record, { force: true });
  } catch (err) {
    throw new LayerctlError(`${context.api.errorMessage(cause)}; removing the half-made container ${record.id.slice(0, 12)} failed too (${context.api.errorMessage(err)}); layerctl rm -f ${record.name}`, { cause });
  }
}
