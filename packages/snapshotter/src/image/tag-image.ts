import type { Root } from '../root.ts';
import { ImageStore } from './image-store.ts';
import { normalizeName } from './reference.ts';

/** Gives the image `source` names (a name, an id or a unique id prefix) the name `target`; returns the normalized target. */
export function tagImage(root: Root, source: string, target: string): string {
  const name = normalizeName(target);
  root.metadata.write((db) => {
    const { record } = ImageStore.resolveIn(db, source);
    ImageStore.record(db, { name, manifestDigest: record.manifestDigest, configDigest: record.configDigest, createdAt: Date.now() });
  });
  return name;
}
