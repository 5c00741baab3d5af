import type { Digest } from '../content/digest.ts';
import type { Root } from '../root.ts';
import { readImage, type StoredLayer } from './image-documents.ts';
import type { HistoryEntry } from './image-config.ts';
import { ImageStore } from './image-store.ts';

/** One line of `layerctl history`: a step that made the image, newest first. */
export interface HistoryItem {
  created: string | undefined;
  createdBy: string;
  comment: string | undefined;
  /** True for steps without a layer (ENV, CMD…). */
  emptyLayer: boolean;
  /** The layer's blob, for steps that made one. */
  layer: { digest: Digest; diffId: Digest; size: number } | undefined;
}

/**
 * The config's history with each non-empty step matched to the next layer, newest first, as
 * `docker history` prints it. A config without history, or whose non-empty steps do not match
 * its layers one to one, gets one anonymous step per layer instead of a wrong pairing.
 */
export async function imageHistory(root: Root, ref: string): Promise<HistoryItem[]> {
  const resolved = new ImageStore(root.metadata).resolve(ref);
  const { config, layers } = await readImage(root.content, resolved.record.manifestDigest);
  const history = config.history ?? [];
  const matches = history.filter((entry) => entry.empty_layer !== true).length === layers.length;
  const items = matches ? pairHistory(history, layers) : layers.map((layer) => historyItem({}, layer));
  return items.reverse();
}

function pairHistory(history: HistoryEntry[], layers: StoredLayer[]): HistoryItem[] {
  const remaining = [...layers];
  return history.map((entry) => historyItem(entry, entry.empty_layer === true ? undefined : remaining.shift()));
}

function historyItem(entry: HistoryEntry, layer: StoredLayer | undefined): HistoryItem {
  return {
    created: entry.created,
    createdBy: entry.created_by ?? '',
    comment: entry.comment,
    emptyLayer: layer === undefined,
    layer: layer === undefined ? undefined : { digest: layer.descriptor.digest, diffId: layer.diffId, size: layer.descriptor.size },
  };
}
