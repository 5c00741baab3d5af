import type { ContainerConfig, Digest, HistoryEntry, ImageConfig } from '@layerctl/snapshotter';

/** Docker's HEALTHCHECK in an image config; durations in nanoseconds. */
export interface HealthConfig {
  /** ['NONE'], ['CMD', ...args] or ['CMD-SHELL', command]. */
  Test: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** The container config a build writes: the snapshotter's fields plus those only Dockerfiles set. */
export interface BuildContainerConfig extends ContainerConfig {
  Healthcheck?: HealthConfig;
  /** SHELL: what shell-form RUN, CMD and ENTRYPOINT run through. */
  Shell?: string[];
  /** ONBUILD triggers, as written, run when a later build starts FROM this image. */
  OnBuild?: string[];
}

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
