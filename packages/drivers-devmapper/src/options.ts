import { InvalidArgumentError } from '@layerctl/sys';

/**
 * The options a user can set, named as Docker's devicemapper `--storage-opt dm.*` are, under
 * this driver's prefix. Every one has a default, so the driver works with none.
 */
export interface DevmapperOptions {
  /** `devmapper.backend`: forced; by default the probe picks dm-thin where the kernel has device-mapper, else reflink. */
  backend: Backend | undefined;
  /** `devmapper.basesize`: the virtual size of every device (Docker's dm.basesize); default 10 GiB. */
  baseSize: number;
  /** `devmapper.fs`: the filesystem on the base device (Docker's dm.fs); default ext4. */
  fs: DeviceFs;
  /** `devmapper.pool_dir`: a directory on an XFS (reflink=1) or btrfs filesystem to keep the images in (reflink backend). */
  poolDir: string | undefined;
  /** `devmapper.pool_fs`: the filesystem the driver formats its own pool file with, when no pool_dir is given. */
  poolFs: PoolFs;
  /** `devmapper.pool_size`: the virtual size of that sparse pool file (Docker's dm.loopdatasize); default 100 GiB. */
  poolSize: number;
  /** `devmapper.thinpooldev`: a dm-thin pool the user made (Docker's dm.thinpooldev); without it, loop-lvm. */
  thinPoolDevice: string | undefined;
}

export type Backend = 'dm-thin' | 'reflink';
export type DeviceFs = 'ext4' | 'xfs';
export type PoolFs = 'xfs' | 'btrfs';

const GiB = 1024 ** 3;
export const DEFAULT_BASE_SIZE = 10 * GiB;
export const DEFAULT_POOL_SIZE = 100 * GiB;
/** Below this a device cannot hold the filesystem's own metadata (mkfs.xfs wants 300 MB). */
export const MIN_BASE_SIZE: Record<DeviceFs, number> = { ext4: 16 * 1024 ** 2, xfs: 300 * 1024 ** 2 };

const PREFIX = 'devmapper.';
const KNOWN = ['backend', 'basesize', 'fs', 'pool_dir', 'pool_fs', 'pool_size', 'thinpooldev'] as const;

export function parseDevmapperOptions(options: Record<string, string>): DevmapperOptions {
  const parsed: DevmapperOptions = { backend: undefined, baseSize: DEFAULT_BASE_SIZE, fs: 'ext4', poolDir: undefined, poolFs: 'xfs', poolSize: DEFAULT_POOL_SIZE, thinPoolDevice: undefined };
  for (const [key, value] of Object.entries(options)) {
    const name = KNOWN.find((k) => `${PREFIX}${k}` === key);
    if (name === undefined) throw new InvalidArgumentError(`devmapper: unknown option ${JSON.stringify(key)} (known: ${KNOWN.map((k) => PREFIX + k).join(', ')})`);
    if (name === 'backend') parsed.backend = oneOf(key, value, ['dm-thin', 'reflink'] as const);
    else if (name === 'basesize') parsed.baseSize = parseSize(key, value);
    else if (name === 'fs') parsed.fs = oneOf(key, value, ['ext4', 'xfs'] as const);
    else if (name === 'pool_dir') parsed.poolDir = absolute(key, value);
    else if (name === 'pool_fs') parsed.poolFs = oneOf(key, value, ['xfs', 'btrfs'] as const);
    else if (name === 'pool_size') parsed.poolSize = parseSize(key, value);
    else parsed.thinPoolDevice = absolute(key, value);
  }
  if (parsed.baseSize < MIN_BASE_SIZE[parsed.fs]) {
    throw new InvalidArgumentError(`devmapper: option ${PREFIX}basesize=${parsed.baseSize} is too small for ${parsed.fs} (at least ${MIN_BASE_SIZE[parsed.fs]} bytes)`);
  }
  return parsed;
}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** "10G", "512m", "1073741824": binary units as Docker's dm.basesize takes them. */
export function parseSize(key: string, value: string): number {
  const match = /^(\d+)([kmgt]?)i?b?$/i.exec(value.trim());
  const unit = UNITS[(match?.[2] ?? '').toLowerCase()];
  if (match?.[1] === undefined || unit === undefined) throw new InvalidArgumentError(`devmapper: option ${key}=${JSON.stringify(value)}: expected a size such as 10G or 512M`);
  const bytes = Number(match[1]) * unit;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new InvalidArgumentError(`devmapper: option ${key}=${JSON.stringify(value)}: not a usable size`);
  return bytes;
}

function absolute(key: string, value: string): string {
  if (!value.startsWith('/')) throw new InvalidArgumentError(`devmapper: option ${key}=${JSON.stringify(value)}: expected an absolute path`);
  return value;
}

function oneOf<T extends string>(key: string, value: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw new InvalidArgumentError(`devmapper: option ${key}=${JSON.stringify(value)}: expected ${allowed.join(' or ')}`);
  return found;
}
