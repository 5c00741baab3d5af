import path from 'node:path';

/**
 * Where a container lives on disk (DESIGN.md "On disk"):
 *
 *   <root>/containers/<id>/
 *     config.json   the OCI runtime bundle the executor (or crun, runc) runs
 *     rootfs/       the rw snapshot mounted while the container runs (bundle root.path)
 *     hosts, hostname, resolv.conf   bind-mounted over the container's /etc files
 *     log           the container's stdout and stderr as written (all but --rm and foreground -t runs)
 *   <root>/volumes/<name>/_data      a named volume's files; the directory outlives containers
 */
export const CONTAINERS_DIR = 'containers';
export const VOLUMES_DIR = 'volumes';
/** Docker keeps a volume's files one level down, leaving room for the volume's own metadata beside them. */
export const VOLUME_DATA_DIR = '_data';

export const ROOTFS_DIR = 'rootfs';
export const HOSTS_FILE = 'hosts';
export const HOSTNAME_FILE = 'hostname';
export const RESOLV_CONF_FILE = 'resolv.conf';
export const LOG_FILE = 'log';

/** The snapshot keys of a container: its init layer (committed, /etc files and mount points) and its rw layer on it. */
export function initLayerKey(id: string): string {
  return `${id}-init`;
}
export function rwLayerKey(id: string): string {
  return id;
}
/** The active snapshot the init layer is written in before it is committed under initLayerKey. */
export function initWorkKey(id: string): string {
  return `${id}-init-work`;
}

/** The cgroup (below each hierarchy's root) that containers' cgroups are made in, unless run --cgroup-parent names another; gc looks here. */
export const DEFAULT_CGROUP_PARENT = 'layerctl';

/** The label on each of a container's snapshots: its id, so that gc can find the layers of containers that are gone. */
export const CONTAINER_LABEL = 'layerctl.io/container';

export interface ContainerPaths {
  dir: string;
  rootfs: string;
  hosts: string;
  hostname: string;
  resolvConf: string;
  log: string;
}

export function containerPaths(rootDir: string, id: string): ContainerPaths {
  const dir = path.join(rootDir, CONTAINERS_DIR, id);
  return {
    dir,
    rootfs: path.join(dir, ROOTFS_DIR),
    hosts: path.join(dir, HOSTS_FILE),
    hostname: path.join(dir, HOSTNAME_FILE),
    resolvConf: path.join(dir, RESOLV_CONF_FILE),
    log: path.join(dir, LOG_FILE),
  };
}

export function volumeDataDir(rootDir: string, name: string): string {
  return path.join(rootDir, VOLUMES_DIR, name, VOLUME_DATA_DIR);
}
