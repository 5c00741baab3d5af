import { CONFIG_MEDIA_TYPES, MANIFEST_MEDIA_TYPES, OCI_MANIFEST, layerCompression } from './media-types.ts';
import { validateDescriptor, type Descriptor } from './descriptor.ts';
import { JsonField } from './json-field.ts';
import type { Digest } from '../content/digest.ts';

/** An image manifest: one config and the layers bottom first (OCI image-spec, manifest.md; Docker schema 2 has the same shape). */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/**
 * Checks a parsed manifest from outside. `document` names it in errors ("manifest sha256:…").
 * A missing mediaType is taken as OCI (the field is optional there); an unknown config or layer
 * media type is refused by name.
 */
export function validateManifest(value: unknown, document: string): ImageManifest {
  const field = new JsonField(document, value);
  const schemaVersion = field.get('schemaVersion').equal(2);
  const mediaTypeField = field.get('mediaType');
  const mediaType = mediaTypeField.optionalString() ?? OCI_MANIFEST;
  if (!MANIFEST_MEDIA_TYPES.has(mediaType)) mediaTypeField.fail(`not an image manifest media type: ${JSON.stringify(mediaType)}`);
  const configField = field.get('config');
  const config = validateDescriptor(configField);
  if (!CONFIG_MEDIA_TYPES.has(config.mediaType)) {
    configField.get('mediaType').fail(`not an image config media type: ${JSON.stringify(config.mediaType)}`);
  }
  const layers = field.get('layers').array().map((layerField) => {
    const layer = validateDescriptor(layerField);
    layerCompression(layer.mediaType, `${document}: ${layerField.path}.mediaType`);
    return layer;
  });
  const manifest: ImageManifest = { schemaVersion, mediaType, config, layers };
  const annotations = field.get('annotations').optionalStringMap();
  if (annotations !== undefined) manifest.annotations = annotations;
  return manifest;
}

/** Every blob an image is made of: its manifest, config and layers; gc and rmi agree on it through this. */
export function manifestBlobs(manifestDigest: Digest, manifest: ImageManifest): Digest[] {
  return [manifestDigest, manifest.config.digest, ...manifest.layers.map((layer) => layer.digest)];
}
