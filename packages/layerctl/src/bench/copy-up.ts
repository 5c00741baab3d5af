import fs from 'node:fs';
import path from 'node:path';
import { mountAll, unmountAll } from '@layerctl/snapshotter';
import { dropCaches } from './drop-caches.ts';
import { measure, time } from './measure.ts';
import { snapshotChain, writeLargeFile } from './snapshot-chain.ts';
import type { Workload } from './workload.ts';

/** Layers below the active snapshot; the large file lives in the lowest. */
export const COPY_UP_DEPTH = 20;
const LARGE_FILE = 'large-file';

/**
 * Copy-up: the first write to a large file that lives in the base of a deep chain. Each round
 * prepares and mounts a fresh active snapshot on the chain's top (untimed), drops the page cache,
 * and times opening the file for writing, appending one byte and closing it: overlay copies the
 * whole file up at the open; a block-level driver (devmapper) copies nothing.
 */
export const copyUp: Workload = {
  name: 'copy-up',
  describe: (sizes) => `copy-up: first write (open, append 1 byte, close) to a ${sizes.copyUpBytes / 1024 ** 2} MiB file in the base of ${COPY_UP_DEPTH} layers, page cache dropped`,
  async run(context) {
    const { snapshotter } = context;
    const chain = await snapshotChain(context, 'bench-copyup', COPY_UP_DEPTH, (dir, level) => {
      if (level === 0) writeLargeFile(path.join(dir, LARGE_FILE), context.sizes.copyUpBytes);
      else fs.writeFileSync(path.join(dir, `layer-${level}`), `layer ${level}\n`);
    });
    try {
      const top = chain.names.at(-1) ?? '';
      const measured = await measure(context.sizes.plan, context.signal, async (round) => {
        const key = `bench-copyup-probe-${round}`;
        mountAll(await snapshotter.prepare(key, top), chain.target);
        try {
          dropCaches();
          return await time(() => fs.appendFileSync(path.join(chain.target, LARGE_FILE), 'x'));
        } finally {
          unmountAll(chain.target);
          await snapshotter.remove(key);
        }
      });
      return [{ variant: `${context.sizes.copyUpBytes / 1024 ** 2} MiB, ${COPY_UP_DEPTH} layers`, metric: 'first write', cold: true, measured }];
    } finally {
      await chain.dispose();
    }
  },
};
