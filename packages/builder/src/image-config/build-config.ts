import type { ContainerConfig, Digest, HealthConfig, HistoryEntry, ImageConfig } from '@layerctl/snapshotter';

export type { HealthConfig };

/** The container config a build writes: the snapshotter's, Docker's Dockerfile fields included. */
export type BuildContainerConfig = ContainerConfig;

/** The image config a build writes (the OCI config with Docker's extra container fields). */
export interface BuildImageConfig extends ImageConfig {
  config: BuildContainerConfig;
  history: HistoryEntry[];
}

/** What shell-form instructions run through when no SHELL is set: Docker's default on Linux. */
export const DEFAULT_SHELL: readonly string[] = ['/bin/sh', '-c'];

/** Docker's default PATH, which RUN sees when the image sets none. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** A layer of the image being built: what the manifest lists. */
export interface BuiltLayer {
  diffId: Digest;
  digest: Digest;
  size: number;
  mediaType: string;
}
