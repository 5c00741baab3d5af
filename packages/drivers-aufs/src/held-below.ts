import fs from 'node:fs';
import path from 'node:path';
import { OPAQUE_MARKER, WHITEOUT_PREFIX } from '@layerctl/snapshotter';
import { isWhiteoutDevice } from './whiteout-device.ts';

/**
 * Whether the branches below a layer (nearest first) show `rel`: the nearest branch that says
 * anything of it holds it, rather than whiting it out or hiding it behind an opaque directory.
 */
export function heldBelow(rel: string, lowers: readonly string[]): boolean {
  const parent = path.posix.dirname(rel);
  const base = path.posix.basename(rel);
  for (const lower of lowers) {
    const stat = fs.lstatSync(path.join(lower, rel), { throwIfNoEntry: false });
    if (stat !== undefined) return !isWhiteoutDevice(stat);
    if (fs.existsSync(path.join(lower, parent, `${WHITEOUT_PREFIX}${base}`))) return false;
    if (fs.existsSync(path.join(lower, parent, OPAQUE_MARKER))) return false;
  }
  return false;
}
