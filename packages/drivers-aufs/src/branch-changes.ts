import fs from 'node:fs';
import path from 'node:path';
import { WHITEOUT_META_PREFIX, WHITEOUT_PREFIX, type Change } from '@layerctl/snapshotter';
import { heldBelow } from './held-below.ts';
import { isWhiteoutDevice } from './whiteout-device.ts';

/**
 * The changes of a layer, read from its branch alone: every entry there was added or modified by
 * the layer, and every whiteout (`.wh.<name>`, or a char 0/0 device fuse-overlayfs made before
 * the branch was sealed) is a deletion. aufs metadata and opaque markers are no changes of their
 * own: the marker travels with its directory (whiteout.ts).
 *
 * `lowers` are the branches below, nearest first; a path one of them holds (and does not white
 * out) is a modification, any other an addition. Pass none when the kind does not matter
 * (packing treats both alike).
 */
export function* branchChanges(branch: string, lowers: readonly string[] = []): Generator<Change> {
  yield* walk(branch, '', lowers);
}

function* walk(dir: string, prefix: string, lowers: readonly string[]): Generator<Change> {
  const children = fs.readdirSync(dir, { withFileTypes: true });
  const names = new Set(children.map((child) => child.name));
  for (const child of children) {
    const rel = prefix === '' ? child.name : `${prefix}/${child.name}`;
    const full = path.join(dir, child.name);
    // A char 0/0 named X is the overlay form of `.wh.X`; fuse-overlayfs also writes `.wh..opq`
    // so, the overlay form of the opaque marker, which is no deletion either.
    const device = child.isCharacterDevice() && isWhiteoutDevice(fs.lstatSync(full));
    const name = device ? `${WHITEOUT_PREFIX}${child.name}` : child.name;
    if (name.startsWith(WHITEOUT_META_PREFIX)) continue;
    if (name.startsWith(WHITEOUT_PREFIX)) {
      const hidden = name.slice(WHITEOUT_PREFIX.length);
      // A name the layer wrote again stands; its old whiteout says nothing more.
      if (device || !names.has(hidden)) yield { kind: 'delete', path: prefix === '' ? hidden : `${prefix}/${hidden}` };
      continue;
    }
    yield { kind: heldBelow(rel, lowers) ? 'modify' : 'add', path: rel };
    if (child.isDirectory()) yield* walk(full, rel, lowers);
  }
}
