import type { Digest } from '../content/digest.ts';
import type { JsonField } from './json-field.ts';

/** The platform an image runs on, as an index entry states it (OCI image-spec, image-index.md). */
export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
}

/** A typed pointer to a blob: what it is, its digest and its exact size (OCI image-spec, descriptor.md). */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
  urls?: string[];
}

/** Names an image in an OCI layout's index.json by its tag (or full reference, as some tools write). */
export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';
/** containerd and Docker 25+ put the full image name here in the index.json they write. */
export const ANNOTATION_IMAGE_NAME = 'io.containerd.image.name';

export function validateDescriptor(field: JsonField): Descriptor {
  const descriptor: Descriptor = {
    mediaType: field.get('mediaType').string(),
    digest: field.get('digest').digest(),
    size: field.get('size').size(),
  };
  const annotations = field.get('annotations').optionalStringMap();
  if (annotations !== undefined) descriptor.annotations = annotations;
  const urls = field.get('urls').optionalStringArray();
  if (urls !== undefined) descriptor.urls = urls;
  const platform = field.get('platform');
  if (!platform.isMissing) descriptor.platform = validatePlatform(platform);
  return descriptor;
}

export function validatePlatform(field: JsonField): Platform {
  const platform: Platform = {
    architecture: field.get('architecture').string(),
    os: field.get('os').string(),
  };
  const variant = field.get('variant').optionalString();
  if (variant !== undefined) platform.variant = variant;
  const osVersion = field.get('os.version').optionalString();
  if (osVersion !== undefined) platform['os.version'] = osVersion;
  return platform;
}
