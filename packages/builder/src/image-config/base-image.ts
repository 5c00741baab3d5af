import { InvalidArgumentError } from '@layerctl/sys';
import { ImageStore, readImage, type Root } from '@layerctl/snapshotter';
import type { BuildContainerConfig, BuildImageConfig, BuiltLayer, HealthConfig } from './build-config.ts';

/** A stage's starting point: an image from the store, or nothing (`FROM scratch`). */
export interface BaseImage {
  /** The image id (config digest), or 'scratch'. */
  id: string;
  /** The name or id it was found by, to unpack it. */
  ref: string | undefined;
  config: BuildImageConfig;
  layers: BuiltLayer[];
}

/** Docker's name for the empty image. */
export const SCRATCH = 'scratch';

/** The config a build from scratch starts with. */
export function scratchBase(platform: { architecture: string; os: string }): BaseImage {
  return { id: SCRATCH, ref: undefined, config: { ...platform, config: {}, rootfs: { type: 'layers', diff_ids: [] }, history: [] }, layers: [] };
}

/**
 * Reads the image `ref` names from the store, with the container-config fields the snapshotter's
 * validator leaves out (Healthcheck, Shell, OnBuild), read from the same stored config and checked here.
 * The builder fetches nothing: a name the store lacks is an error saying how to get it in.
 */
export async function loadBaseImage(root: Root, ref: string): Promise<BaseImage> {
  const resolved = new ImageStore(root.metadata).resolve(ref);
  const image = await readImage(root.content, resolved.record.manifestDigest);
  const raw: unknown = JSON.parse((await root.content.readSmall(image.manifest.config.digest)).toString('utf8'));
  const what = `config ${image.manifest.config.digest}`;
  const config: BuildContainerConfig = { ...image.config.config, ...dockerExtras(raw, what) };
  return {
    id: resolved.id,
    ref,
    config: { ...image.config, config, history: image.config.history ?? [] },
    layers: image.layers.map((layer) => ({
      diffId: layer.diffId,
      digest: layer.descriptor.digest,
      size: layer.descriptor.size,
      mediaType: layer.descriptor.mediaType,
    })),
  };
}

function dockerExtras(raw: unknown, what: string): Pick<BuildContainerConfig, 'Healthcheck' | 'Shell' | 'OnBuild'> {
  const containerConfig = isRecord(raw) ? raw['config'] : undefined;
  if (!isRecord(containerConfig)) return {};
  const extras: Pick<BuildContainerConfig, 'Healthcheck' | 'Shell' | 'OnBuild'> = {};
  const shell = stringArray(containerConfig['Shell'], `${what}: config.Shell`);
  if (shell !== undefined) extras.Shell = shell;
  const onBuild = stringArray(containerConfig['OnBuild'], `${what}: config.OnBuild`);
  if (onBuild !== undefined) extras.OnBuild = onBuild;
  const health = healthConfig(containerConfig['Healthcheck'], `${what}: config.Healthcheck`);
  if (health !== undefined) extras.Healthcheck = health;
  return extras;
}

function healthConfig(value: unknown, what: string): HealthConfig | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) throw new InvalidArgumentError(`${what}: not an object`);
  const health: HealthConfig = { Test: stringArray(value['Test'], `${what}.Test`) ?? [] };
  for (const field of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'] as const) {
    const n = value[field];
    if (n === undefined || n === null) continue;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`${what}.${field}: not a non-negative integer`);
    health[field] = n;
  }
  return health;
}

function stringArray(value: unknown, what: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) throw new InvalidArgumentError(`${what}: not an array of strings`);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

