import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeUnmounted } from './loop-filesystem.ts';
import { measure } from './measure.ts';
import type { Workload, WorkloadContext } from './workload.ts';

/**
 * The workloads that run layerctl itself, the way a user does (a process per command, Node's
 * start-up included), with `--driver` and a root on the filesystem under test: a cold and a
 * cached build of a fixture, and `run --rm` of /bin/true.
 */

const CHECKOUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
/** The fixture built: a busybox app with COPY, RUN and config steps (fixtures/dockerfiles). */
export const BUILD_FIXTURE = 'busybox-app';
const BUILD_CONTEXT = path.join(CHECKOUT, 'fixtures/dockerfiles', BUILD_FIXTURE);
const BASE_IMAGE = 'busybox';

/** A fresh root for one round: its dir beside the bench's root, busybox imported (untimed). */
async function freshRoot(context: WorkloadContext, name: string): Promise<string> {
  const root = path.join(context.scratchDir, name);
  fs.rmSync(root, { recursive: true, force: true });
  await context.commands.layerctl(['--root', root, '--driver', context.driver.name, 'import', context.commands.busyboxTar, BASE_IMAGE]);
  return root;
}

function buildArgs(context: WorkloadContext, root: string): string[] {
  return ['--root', root, '--driver', context.driver.name, 'build', '--progress', 'plain', '--cgroup-parent', context.commands.cgroupParent, '-t', 'bench', BUILD_CONTEXT];
}

export const buildWorkload: Workload = {
  name: 'build',
  describe: (sizes) =>
    `build: \`layerctl build\` of fixtures/dockerfiles/${BUILD_FIXTURE}: cold (a fresh root with busybox imported, untimed) and cached (the same build again), ${sizes.commandPlan.runs} runs after ${sizes.commandPlan.warmups} warm-up`,
  async run(context) {
    const cachedTimes: number[] = [];
    const cold = await measure(context.sizes.commandPlan, context.signal, async (round) => {
      const root = await freshRoot(context, `build-${round}`);
      try {
        const ms = await context.commands.layerctl(buildArgs(context, root));
        cachedTimes.push(await context.commands.layerctl(buildArgs(context, root)));
        return ms;
      } finally {
        removeUnmounted(root);
      }
    });
    // The cached build of each round, summarized over the same rounds.
    let index = 0;
    const cached = await measure(context.sizes.commandPlan, context.signal, async () => cachedTimes[index++] ?? 0);
    return [
      { variant: BUILD_FIXTURE, metric: 'cold build', cold: false, measured: cold },
      { variant: BUILD_FIXTURE, metric: 'cached build', cold: false, measured: cached },
    ];
  },
};

export const runWorkload: Workload = {
  name: 'run',
  describe: (sizes) => `run: \`layerctl run --rm busybox /bin/true\` (image unpacked by the warm-up), ${sizes.commandPlan.runs} runs after ${Math.max(1, sizes.commandPlan.warmups)} warm-up`,
  async run(context) {
    const root = await freshRoot(context, 'run');
    try {
      const args = ['--root', root, '--driver', context.driver.name, 'run', '--rm', '--cgroup-parent', context.commands.cgroupParent, BASE_IMAGE, '/bin/true'];
      // At least one warm-up: the first run unpacks the image, which is not start-up.
      const plan = { ...context.sizes.commandPlan, warmups: Math.max(1, context.sizes.commandPlan.warmups) };
      const measured = await measure(plan, context.signal, () => context.commands.layerctl(args));
      return [{ variant: `${BASE_IMAGE} /bin/true`, metric: 'run --rm', cold: false, measured }];
    } finally {
      removeUnmounted(root);
    }
  },
};
