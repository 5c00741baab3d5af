import type { Digest } from '../content/digest.ts';
import { JsonField } from './json-field.ts';

/** How a container from the image starts; Docker's capitalised names, as the OCI config keeps them. */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  Volumes?: Record<string, Record<string, never>>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  /** Docker's own fields, which Dockerfiles set and the OCI spec does not name; kept as written. */
  Healthcheck?: HealthConfig;
  /** SHELL: what shell-form RUN, CMD and ENTRYPOINT run through. */
  Shell?: string[];
  /** ONBUILD triggers, as written, run when a later build starts FROM this image. */
  OnBuild?: string[];
}

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

/** HealthConfig's counts and durations. */
const HEALTH_NUMBERS = ['Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'] as const;

/** One step that made the image; `empty_layer` steps (ENV, CMD…) have no layer of their own. */
export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The image config (OCI image-spec, config.md). Its sha256 is the image id. */
export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history?: HistoryEntry[];
}

/** The value rootfs.type must have; it is the only one the spec defines. */
export const ROOTFS_TYPE_LAYERS = 'layers';

/** Checks a parsed image config from outside; `document` names it in errors ("config sha256:…"). */
export function validateImageConfig(value: unknown, document: string): ImageConfig {
  const field = new JsonField(document, value);
  const rootfs = field.get('rootfs');
  const config: ImageConfig = {
    architecture: field.get('architecture').string(),
    os: field.get('os').string(),
    rootfs: {
      type: rootfs.get('type').equal(ROOTFS_TYPE_LAYERS),
      diff_ids: rootfs.get('diff_ids').array().map((entry) => entry.digest()),
    },
  };
  assignDefined(config, 'created', field.get('created').optionalString());
  assignDefined(config, 'author', field.get('author').optionalString());
  assignDefined(config, 'variant', field.get('variant').optionalString());
  const containerConfig = field.get('config');
  if (!containerConfig.isMissing) config.config = validateContainerConfig(containerConfig);
  const history = field.get('history');
  if (!history.isMissing) config.history = history.array().map(validateHistoryEntry);
  return config;
}

function validateContainerConfig(field: JsonField): ContainerConfig {
  const config: ContainerConfig = {};
  assignDefined(config, 'User', field.get('User').optionalString());
  assignDefined(config, 'ExposedPorts', field.get('ExposedPorts').optionalKeySet());
  assignDefined(config, 'Env', field.get('Env').optionalStringArray());
  assignDefined(config, 'Entrypoint', field.get('Entrypoint').optionalStringArray());
  assignDefined(config, 'Cmd', field.get('Cmd').optionalStringArray());
  assignDefined(config, 'Volumes', field.get('Volumes').optionalKeySet());
  assignDefined(config, 'WorkingDir', field.get('WorkingDir').optionalString());
  assignDefined(config, 'Labels', field.get('Labels').optionalStringMap());
  assignDefined(config, 'StopSignal', field.get('StopSignal').optionalString());
  const health = field.get('Healthcheck');
  if (!health.isMissing) config.Healthcheck = validateHealthConfig(health);
  assignDefined(config, 'Shell', field.get('Shell').optionalStringArray());
  assignDefined(config, 'OnBuild', field.get('OnBuild').optionalStringArray());
  return config;
}

function validateHealthConfig(field: JsonField): HealthConfig {
  const health: HealthConfig = { Test: field.get('Test').optionalStringArray() ?? [] };
  for (const name of HEALTH_NUMBERS) {
    const value = field.get(name);
    if (!value.isMissing) health[name] = value.size();
  }
  return health;
}

function validateHistoryEntry(field: JsonField): HistoryEntry {
  const entry: HistoryEntry = {};
  assignDefined(entry, 'created', field.get('created').optionalString());
  assignDefined(entry, 'created_by', field.get('created_by').optionalString());
  assignDefined(entry, 'author', field.get('author').optionalString());
  assignDefined(entry, 'comment', field.get('comment').optionalString());
  assignDefined(entry, 'empty_layer', field.get('empty_layer').optionalBoolean());
  return entry;
}

/** Optional members are left out rather than set to undefined, so the typed value prints like the document. */
function assignDefined<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}
