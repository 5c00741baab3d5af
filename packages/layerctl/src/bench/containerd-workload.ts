import fs from 'node:fs';
import path from 'node:path';
import type { Summary } from '../../../../bench/archive/measure.ts';
import { BYTES_PER_LAYER, FILE_OPS_LAYERS, fileOpsLayers } from '../../../../bench/snapshots/file-ops-layers.ts';
import { removeUnmounted } from './loop-filesystem.ts';
import type { Workload } from './workload.ts';

/** The steps containerd's benchmark reports apart, as bench/snapshots names them. */
const STEPS = ['prepare', 'mount', 'write', 'unmount', 'commit'] as const;
/** bench/snapshots' file-ops chains run one warm-up chain before the measured ones. */
const FILE_OPS_WARMUPS = 1;

/**
 * containerd's snapshotter benchmark (snapshots/benchsuite), the shape bench/snapshots measures on
 * overlay2, here through the Snapshotter on whichever driver: 16 layers each prepared on the one
 * below, given 1 MiB of file operations, committed; per layer, each step timed apart.
 */
export const containerdWorkload: Workload = {
  name: 'containerd',
  describe: (sizes) =>
    `containerd snapshotter benchmark: ${FILE_OPS_LAYERS} layers of ${BYTES_PER_LAYER / 1024} KiB of file operations each (3 new files, a lower file rewritten, one deleted), ` +
    `prepare/mount/write/unmount/commit per layer, ${sizes.plan.runs} chains after ${FILE_OPS_WARMUPS} warm-up`,
  async run(context) {
    const workDir = path.join(context.tmpDir, 'bench-containerd');
    fs.mkdirSync(workDir, { recursive: true });
    try {
      const result = await fileOpsLayers({ snapshotter: context.snapshotter, workDir, signal: context.signal }, context.sizes.plan.runs, (line) => context.progress(line));
      const figure = (step: (typeof STEPS)[number], summary: Summary) => ({
        variant: `${FILE_OPS_LAYERS} layers x ${BYTES_PER_LAYER / 1024} KiB`,
        metric: step,
        cold: false,
        // Medians over every layer of every measured chain.
        measured: { medianMs: summary.medianMs, minMs: summary.minMs, maxMs: summary.maxMs, runs: context.sizes.plan.runs * FILE_OPS_LAYERS, warmups: FILE_OPS_WARMUPS * FILE_OPS_LAYERS },
      });
      return STEPS.map((step) => figure(step, result[step]));
    } finally {
      removeUnmounted(workDir);
    }
  },
};
