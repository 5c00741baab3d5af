import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { drain, makeChain, makeLayer, removeLayers, SMALL_FILE_BYTES, writeFiles } from './driver-layers.ts';
import { measure, time, timePerCall } from './measure.ts';
import type { Sizes, Workload, WorkloadContext, WorkloadFigure } from './workload.ts';

/**
 * moby's graphdriver benchmarks (daemon/graphdriver/graphtest/graphbench_unix.go), on the
 * Driver contract: Exists, GetEmpty, DiffBase, DiffN, DiffApply, DeepLayerDiff, DeepLayerRead.
 */

/** Calls of exists() per timed round: one call is far below the timer's resolution. */
const EXISTS_CALLS = 1000;
/** Files of the base layer DiffBase diffs. */
const DIFF_BASE_FILES = 10;
/** The few files of DiffN's cases; the many are sizes.diffManyFiles (moby: 10000). */
const DIFF_N_FEW = 10;

/** DiffN's cases: files in the layer below, files in the layer diffed. */
function diffNCases(sizes: Sizes): Array<[number, number]> {
  const many = sizes.diffManyFiles;
  return [
    [DIFF_N_FEW, DIFF_N_FEW],
    [DIFF_N_FEW, many],
    [many, DIFF_N_FEW],
  ];
}
const DIFF_APPLY_FILES = 100;
/** Layers of DeepLayerDiff and DeepLayerRead's chain. */
const DEEP_LAYERS = 20;
/** Bytes of the file DeepLayerRead reads from the chain's base through its top. */
const DEEP_READ_BYTES = 64 * 1024;

const exists: Workload = {
  name: 'Exists',
  describe: () => `moby Exists: exists() of a layer, per call (${EXISTS_CALLS} calls a round)`,
  async run(context) {
    const { driver } = context;
    await driver.create('bench-exists', undefined, { readonly: false });
    try {
      const measured = await measure(context.sizes.plan, context.signal, () => timePerCall(EXISTS_CALLS, () => driver.exists('bench-exists')));
      return [{ variant: '', metric: 'exists', cold: false, measured }];
    } finally {
      await driver.remove('bench-exists');
    }
  },
};

const getEmpty: Workload = {
  name: 'GetEmpty',
  describe: () => 'moby GetEmpty: mount and unmount of an empty base layer',
  async run(context) {
    const { driver } = context;
    await driver.create('bench-empty', undefined, { readonly: false });
    try {
      const measured = await measure(context.sizes.plan, context.signal, () =>
        time(async () => {
          await driver.mount('bench-empty');
          await driver.unmount('bench-empty');
        }),
      );
      return [{ variant: '', metric: 'mount+unmount', cold: false, measured }];
    } finally {
      await driver.remove('bench-empty');
    }
  },
};

const diffBase: Workload = {
  name: 'DiffBase',
  describe: () => `moby DiffBase: diff of a base layer of ${DIFF_BASE_FILES} files of ${SMALL_FILE_BYTES} bytes, read to its end`,
  async run(context) {
    const { driver } = context;
    await makeLayer(driver, 'bench-diffbase', undefined, (dir) => writeFiles(dir, 'base', DIFF_BASE_FILES));
    try {
      const measured = await measure(context.sizes.plan, context.signal, () => time(() => drain(driver.diff('bench-diffbase', undefined))));
      return [{ variant: '', metric: 'diff', cold: false, measured }];
    } finally {
      await driver.remove('bench-diffbase');
    }
  },
};

const diffN: Workload = {
  name: 'DiffN',
  describe: (sizes) => `moby DiffN: diff of a layer of M files on a base of N files (N/M: ${diffNCases(sizes).map(([n, m]) => `${n}/${m}`).join(', ')})`,
  async run(context) {
    const figures: WorkloadFigure[] = [];
    for (const [below, above] of diffNCases(context.sizes)) {
      context.progress(`DiffN ${below}/${above}`);
      figures.push(await diffNCase(context, below, above));
    }
    return figures;
  },
};

async function diffNCase(context: WorkloadContext, below: number, above: number): Promise<WorkloadFigure> {
  const { driver } = context;
  const ids = [`bench-diffn-${below}-${above}-base`, `bench-diffn-${below}-${above}-top`] as const;
  await makeLayer(driver, ids[0], undefined, (dir) => writeFiles(dir, 'below', below));
  try {
    await makeLayer(driver, ids[1], ids[0], (dir) => writeFiles(dir, 'above', above));
    const measured = await measure(context.sizes.plan, context.signal, () => time(() => drain(driver.diff(ids[1], ids[0]))));
    return { variant: `${below}/${above} files`, metric: 'diff', cold: false, measured };
  } finally {
    await removeLayers(driver, ids.filter((id) => driver.exists(id)));
  }
}

const diffApply: Workload = {
  name: 'DiffApply',
  describe: () => `moby DiffApply: applyDiff of a changeset of ${DIFF_APPLY_FILES} files onto a fresh layer on a base (the tar read from a file)`,
  async run(context) {
    const { driver } = context;
    const base = 'bench-apply-base';
    const source = 'bench-apply-source';
    const tar = path.join(context.tmpDir, 'bench-apply.tar');
    const applied: string[] = [];
    await makeLayer(driver, base, undefined, (dir) => writeFiles(dir, 'base', DIFF_BASE_FILES));
    try {
      await makeLayer(driver, source, base, (dir) => writeFiles(dir, 'applied', DIFF_APPLY_FILES));
      await pipeline(driver.diff(source, base), fs.createWriteStream(tar));
      const measured = await measure(context.sizes.plan, context.signal, async (round) => {
        const id = `bench-apply-${round}`;
        await driver.create(id, base, { readonly: false });
        applied.push(id);
        const ms = await time(() => driver.applyDiff(id, base, fs.createReadStream(tar)));
        await driver.remove(applied.pop() ?? id);
        return ms;
      });
      return [{ variant: `${DIFF_APPLY_FILES} files`, metric: 'applyDiff', cold: false, measured }];
    } finally {
      fs.rmSync(tar, { force: true });
      await removeLayers(driver, [base, source, ...applied].filter((id) => driver.exists(id)));
    }
  },
};

/** The chain DeepLayerDiff and DeepLayerRead share: a file in each layer, and the read file in the base. */
async function deepChain(context: WorkloadContext, prefix: string): Promise<string[]> {
  const content = Buffer.alloc(DEEP_READ_BYTES, 7);
  return makeChain(context.driver, prefix, DEEP_LAYERS, (dir, level) => {
    fs.writeFileSync(path.join(dir, `layer-${level}`), `layer ${level}\n`);
    if (level === 0) fs.writeFileSync(path.join(dir, 'deep-file'), content);
  });
}

const deepLayerDiff: Workload = {
  name: 'DeepLayerDiff',
  describe: () => `moby DeepLayerDiff: diff of the top of a ${DEEP_LAYERS}-layer chain (one file a layer) against its parent`,
  async run(context) {
    const { driver } = context;
    const ids = await deepChain(context, 'bench-deepdiff');
    try {
      const top = ids.at(-1) ?? '';
      const measured = await measure(context.sizes.plan, context.signal, () => time(() => drain(driver.diff(top, ids.at(-2)))));
      return [{ variant: `${DEEP_LAYERS} layers`, metric: 'diff', cold: false, measured }];
    } finally {
      await removeLayers(driver, ids);
    }
  },
};

const deepLayerRead: Workload = {
  name: 'DeepLayerRead',
  describe: () => `moby DeepLayerRead: read of a ${DEEP_READ_BYTES / 1024} KiB file of the base layer through the mounted top of a ${DEEP_LAYERS}-layer chain`,
  async run(context) {
    const { driver } = context;
    const ids = await deepChain(context, 'bench-deepread');
    const top = ids.at(-1) ?? '';
    try {
      const dir = await driver.mount(top);
      try {
        const file = path.join(dir, 'deep-file');
        const measured = await measure(context.sizes.plan, context.signal, () => time(() => readWhole(file)));
        return [{ variant: `${DEEP_LAYERS} layers`, metric: 'read', cold: false, measured }];
      } finally {
        await driver.unmount(top);
      }
    } finally {
      await removeLayers(driver, ids);
    }
  },
};

/** Reads a file to its end in fixed chunks (never the whole file in one buffer). */
function readWhole(file: string): number {
  const chunk = Buffer.allocUnsafe(64 * 1024);
  const fd = fs.openSync(file, 'r');
  try {
    let total = 0;
    for (let n = fs.readSync(fd, chunk); n > 0; n = fs.readSync(fd, chunk)) total += n;
    return total;
  } finally {
    fs.closeSync(fd);
  }
}

export const mobyWorkloads: readonly Workload[] = [exists, getEmpty, diffBase, diffN, diffApply, deepLayerDiff, deepLayerRead];
