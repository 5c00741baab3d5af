import fs from 'node:fs';
import path from 'node:path';
import { mountAll, unmountAll } from '@layerctl/snapshotter';
import { LayerctlError } from '@layerctl/sys';
import { writeFiles } from './driver-layers.ts';
import { dropCaches } from './drop-caches.ts';
import { measure, time } from './measure.ts';
import { snapshotChain } from './snapshot-chain.ts';
import type { Workload } from './workload.ts';

/** Layers of the union walked: the base holds the files, the ones above a file each. */
const WALK_DEPTH = 5;

/**
 * Metadata walk: every entry of a read-only view of a chain whose base holds the files, listed
 * (readdir) and stat'ed (lstat), as `find` or an image scanner does. Cold with the page, dentry
 * and inode caches dropped before each round; warm with them as the previous round left them.
 */
export const metadataWalk: Workload = {
  name: 'metadata-walk',
  describe: (sizes) => `metadata walk: readdir + lstat of ${sizes.walkFiles} files (in dirs of 100) through a read-only view of ${WALK_DEPTH} layers, cold (caches dropped) and warm`,
  async run(context) {
    const { snapshotter } = context;
    const files = context.sizes.walkFiles;
    const chain = await snapshotChain(context, 'bench-walk', WALK_DEPTH, (dir, level) => {
      if (level === 0) writeFiles(dir, 'tree', files);
      else fs.writeFileSync(path.join(dir, `layer-${level}`), `layer ${level}\n`);
    });
    const key = 'bench-walk-view';
    try {
      mountAll(await snapshotter.view(key, chain.names.at(-1) ?? ''), chain.target);
      try {
        const expected = files + WALK_DEPTH - 1;
        const round = (cold: boolean) => async () => {
          if (cold) dropCaches();
          let seen = 0;
          const ms = await time(() => (seen = walk(chain.target)));
          if (seen !== expected) throw new LayerctlError(`metadata walk: ${seen} files through the view of ${chain.names.at(-1)}, expected ${expected}`);
          return ms;
        };
        const variant = `${files} files, ${WALK_DEPTH} layers`;
        return [
          { variant, metric: 'walk', cold: true, measured: await measure(context.sizes.plan, context.signal, round(true)) },
          { variant, metric: 'walk', cold: false, measured: await measure(context.sizes.plan, context.signal, round(false)) },
        ];
      } finally {
        unmountAll(chain.target);
        await snapshotter.remove(key);
      }
    } finally {
      await chain.dispose();
    }
  },
};

/** Lists and lstat's every entry below `dir`; returns how many regular files it met. */
function walk(dir: string): number {
  let files = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const stat = fs.lstatSync(full);
    if (stat.isDirectory()) files += walk(full);
    else if (stat.isFile()) files++;
  }
  return files;
}

