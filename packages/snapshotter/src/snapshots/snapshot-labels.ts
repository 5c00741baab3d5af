import { InvalidArgumentError } from '@layerctl/sys';

/**
 * The most bytes one label may take, key and value together (containerd's limit, so labels
 * written here can travel to containerd and back).
 */
export const MAX_LABEL_BYTES = 4096;

/**
 * Checks labels from outside (a command line, a JSON document): string keys and values, no empty
 * key, each label within MAX_LABEL_BYTES. Returns a plain copy. `what` names the snapshot.
 */
export function checkLabels(labels: unknown, what: string): Record<string, string> {
  if (labels === undefined) return {};
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    throw new InvalidArgumentError(`${what}: labels must be an object of strings`);
  }
  const checked: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) {
    if (key === '') throw new InvalidArgumentError(`${what}: a label key must not be empty`);
    if (typeof value !== 'string') throw new InvalidArgumentError(`${what}: label ${JSON.stringify(key)} has a value that is not a string`);
    const bytes = Buffer.byteLength(key) + Buffer.byteLength(value);
    if (bytes > MAX_LABEL_BYTES) {
      throw new InvalidArgumentError(`${what}: label ${JSON.stringify(key)} takes ${bytes} bytes, over the ${MAX_LABEL_BYTES}-byte limit for key and value`);
    }
    checked[key] = value;
  }
  return checked;
}
