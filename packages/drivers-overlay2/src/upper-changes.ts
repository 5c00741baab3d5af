import fs from 'node:fs';
import path from 'node:path';
import type { Change } from '@layerctl/snapshotter';
import { isWhiteoutDevice } from './whiteout.ts';

/**
 * The changes of a layer, read from its upper dir alone (the native diff): every entry there was
 * added or modified by the layer, and every char 0/0 device is a deletion. This is exact only
 * when the kernel wrote no redirects and no metacopy files into the upper dir; probe.ts checks.
 *
 * `lowers` are the layers below, nearest first; a path found in one of them (and not deleted
 * there) is a modification, any other an addition. Pass none when the kind does not matter
 * (packing a tar treats both alike).
 */
export function* upperChanges(upper: string, lowers: readonly string[] = []): Generator<Change> {
  yield* walk(upper, '', lowers);
}

function* walk(dir: string, prefix: string, lowers: readonly string[]): Generator<Change> {
  for (const child of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix === '' ? child.name : `${prefix}/${child.name}`;
    const full = path.join(dir, child.name);
    if (child.isCharacterDevice() && isWhiteoutDevice(fs.lstatSync(full))) {
      yield { kind: 'delete', path: rel };
      continue;
    }
    yield { kind: inLowers(rel, lowers) ? 'modify' : 'add', path: rel };
    if (child.isDirectory()) yield* walk(full, rel, lowers);
  }
}

/** Whether the nearest lower that knows `rel` holds it as an entry rather than a whiteout. */
function inLowers(rel: string, lowers: readonly string[]): boolean {
  for (const lower of lowers) {
    const stat = fs.lstatSync(path.join(lower, rel), { throwIfNoEntry: false });
    if (stat !== undefined) return !isWhiteoutDevice(stat);
  }
  return false;
}
