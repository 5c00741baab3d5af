import { INDEX_MEDIA_TYPES, OCI_INDEX } from './media-types.ts';
import { validateDescriptor, type Descriptor } from './descriptor.ts';
import { JsonField } from './json-field.ts';

/** A list of manifests, one per platform or per name (OCI image-spec, image-index.md; also Docker's manifest list). */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** Checks a parsed index (index.json of a layout, a nested index, a Docker manifest list). */
export function validateImageIndex(value: unknown, document: string): ImageIndex {
  const field = new JsonField(document, value);
  const schemaVersion = field.get('schemaVersion').equal(2);
  const mediaTypeField = field.get('mediaType');
  const mediaType = mediaTypeField.optionalString() ?? OCI_INDEX;
  if (!INDEX_MEDIA_TYPES.has(mediaType)) mediaTypeField.fail(`not an image index media type: ${JSON.stringify(mediaType)}`);
  const manifests = field.get('manifests').array().map((entry) => validateDescriptor(entry));
  const index: ImageIndex = { schemaVersion, mediaType, manifests };
  const annotations = field.get('annotations').optionalStringMap();
  if (annotations !== undefined) index.annotations = annotations;
  return index;
}
