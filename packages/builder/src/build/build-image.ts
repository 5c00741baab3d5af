import type { BuildNetwork } from '../steps/build-network.ts';
import { InvalidArgumentError, LayerctlError } from '@layerctl/sys';
import { chainIds, hostPlatform, openLease, saveImages, unpackImage, type ArchiveFormat, type MetadataSnapshotter, type Root } from '@layerctl/snapshotter';
import { BuildCache } from '../cache/build-cache.ts';
import { ContextSums } from '../context/context-sums.ts';
import { readDockerignore } from '../dockerignore/parse-dockerignore.ts';
import type { PatternMatcher } from '../dockerignore/pattern-matcher.ts';
import { expandWord, expandingIn, type Lookup } from '../dockerfile/expand.ts';
import type { Dockerfile, Stage } from '../dockerfile/instructions.ts';
import { parseTriggers } from '../dockerfile/parse-dockerfile.ts';
import { SCRATCH, loadBaseImage, scratchBase, type BaseImage } from '../image-config/base-image.ts';
import { storeBuiltImage, type StoredBuild } from '../image-config/store-image.ts';
import type { BuildEvent, BuildEventSink } from '../progress-events/build-event.ts';
import { planStages, stageRef } from '../stages/stage-graph.ts';
import { BuildWorkspace } from './build-workspace.ts';
import { isCommitted } from './is-committed.ts';
import { StageBuilder, type BuildShared, type StageResult } from './stage-builder.ts';

export interface BuildOptions {
  root: Root;
  /** The builder gets a Snapshotter, never a driver: layerctl chooses and opens the driver. */
  snapshotter: MetadataSnapshotter;
  dockerfile: Dockerfile;
  /** The build context directory; COPY and ADD read only inside it. */
  contextDir: string;
  /** Names to record (-t); none records the image without a name. */
  tags?: readonly string[];
  buildArgs?: Readonly<Record<string, string>>;
  target?: string;
  noCache?: boolean;
  /** The network RUN steps get unless RUN --network says otherwise; 'none' by default. */
  network?: BuildNetwork;
  /** The cgroup RUN steps are created below (Docker's --cgroup-parent); layerctl's own by default. */
  cgroupParent?: string;
  /** Also write the image as an archive here. */
  output?: { format: ArchiveFormat; dest: string };
  /** Where SOURCE_DATE_EPOCH is looked for when no build argument gives it; process.env by default. */
  environment?: Readonly<Record<string, string | undefined>>;
  signal?: AbortSignal;
  onEvent?: BuildEventSink;
}

export interface BuildResult extends StoredBuild {
  /** SOURCE_DATE_EPOCH the build clamped its times to, if any. */
  sourceDateEpoch: bigint | undefined;
}

/** The build argument and environment variable BuildKit reads for reproducible builds. */
const SOURCE_DATE_EPOCH = 'SOURCE_DATE_EPOCH';

/**
 * Builds the target stage of a parsed Dockerfile into an image in the store.
 *
 * The stages the target needs (stage-graph.ts) all start at once; each waits only for the stages
 * it reads, so independent stages run at the same time. When one fails or the signal aborts,
 * the others are stopped and awaited before this returns: nothing is left mounted and no
 * half-written layer is committed (a step's snapshot is removed, its blob is unnamed and leased
 * only by this process, so gc takes it).
 */
export async function buildImage(options: BuildOptions): Promise<BuildResult> {
  const { root, snapshotter, dockerfile } = options;
  const buildArgs = options.buildArgs ?? {};
  const sourceDateEpoch = parseSourceDateEpoch(buildArgs[SOURCE_DATE_EPOCH] ?? (options.environment ?? process.env)[SOURCE_DATE_EPOCH]);
  const globalArgs = resolveGlobalArgs(dockerfile, buildArgs);
  const globalLookup: Lookup = (name) => globalArgs.get(name);
  const fromWord = (stage: Stage): string => expandingIn(stage.from, () => expandWord(stage.from.image, globalLookup, dockerfile.escape));
  const planned = planStages(dockerfile, options.target, (stage) => [fromWord(stage), ...copyFromWords(stage)]);
  const emit = options.onEvent ?? (() => {});
  const started = Date.now();
  const abort = new AbortController();
  const onAbort = (): void => abort.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const workspace = BuildWorkspace.open(root);
  await BuildWorkspace.removeDeadViews(snapshotter);
  const lease = openLease(root.metadata);
  try {
    let total = planned.reduce((sum, { stage }) => sum + 1 + stage.instructions.length, 0);
    emit({ type: 'build-started', total, at: started });
    const firstSteps = new Map<number, number>();
    let next = 1;
    for (const { stage } of planned) {
      firstSteps.set(stage.index, next);
      next += 1 + stage.instructions.length;
    }
    const results = new Map<number, Promise<StageResult>>();
    let contextIgnore: Promise<PatternMatcher> | undefined;
    const shared: BuildShared = {
      layer: { root, snapshotter, workspace, lease, sourceDateEpoch, signal: abort.signal },
      cache: new BuildCache(root),
      noCache: options.noCache ?? false,
      escape: dockerfile.escape,
      contextDir: options.contextDir,
      contextSums: new ContextSums(workspace.dir, options.contextDir),
      contextIgnore: () => (contextIgnore ??= readDockerignore(options.contextDir)),
      buildArgs,
      globalArgs,
      network: options.network ?? 'none',
      cgroupParent: options.cgroupParent,
      exported: exportedStages(dockerfile, planned.at(-1)?.stage, fromWord),
      emit: (event: BuildEvent) => emit(event),
      addSteps: (count) => {
        const first = total + 1;
        total += count;
        emit({ type: 'steps-added', count, at: Date.now() });
        return first;
      },
      stageResult: (index) => {
        const result = results.get(index);
        if (result === undefined) throw new InvalidArgumentError(`stage ${index} is not part of this build`);
        return result;
      },
      stageNamed: (word, from) => stageRef(dockerfile, word, from),
      now: () => new Date(sourceDateEpoch === undefined ? Date.now() : Number(sourceDateEpoch) * 1000).toISOString(),
    };
    const label = (stage: Stage): string => (dockerfile.stages.length > 1 ? `[${stage.name ?? `stage-${stage.index}`} ` : '[');
    // The first failure in time is the one to report: the stages stopped after it fail with aborts.
    let failure: { reason: unknown } | undefined;
    for (const { stage } of planned) {
      const promise = buildStage(shared, stage, fromWord(stage), label(stage), firstSteps.get(stage.index) ?? 1);
      promise.catch((reason: unknown) => {
        failure ??= { reason };
        abort.abort(reason);
      });
      results.set(stage.index, promise);
    }
    await Promise.allSettled(results.values());
    if (failure !== undefined) throw cancelled(options.signal, failure.reason);
    shared.contextSums.save();
    const target = planned.at(-1);
    const result = target === undefined ? undefined : await results.get(target.stage.index);
    if (result === undefined) throw new InvalidArgumentError(`${dockerfile.file}: nothing to build`);
    const stored = await storeBuiltImage(root, lease, result, options.tags ?? []);
    if (options.output !== undefined) await saveImages(root, [stored.imageId], options.output.dest, { format: options.output.format });
    emit({ type: 'build-done', imageId: stored.imageId, names: stored.names, at: Date.now(), ms: Date.now() - started });
    return { ...stored, sourceDateEpoch };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    lease.release();
  }
}

async function buildStage(shared: BuildShared, stage: Stage, from: string, label: string, firstStep: number): Promise<StageResult> {
  const total = 1 + stage.instructions.length;
  const name = `${label}1/${total}] ${stage.from.original}`;
  const at = Date.now();
  shared.emit({ type: 'step-started', step: firstStep, name, at });
  const { base, key, triggers } = await resolveBase(shared, stage, from);
  shared.emit({ type: 'step-done', step: firstStep, at: Date.now(), ms: Date.now() - at });
  const builder = new StageBuilder(shared, stage, label, base, key);
  if (triggers.length > 0) {
    const instructions = parseTriggers(triggers, { file: stage.from.location.file, line: stage.from.location.startLine });
    await builder.run(instructions, shared.addSteps(instructions.length), total);
  }
  await builder.run(stage.instructions, firstStep + 1, total);
  return builder.result();
}

/** The stage's base (an earlier stage, scratch or an image from the store), its cache identity, and its ONBUILD triggers. */
async function resolveBase(shared: BuildShared, stage: Stage, from: string): Promise<{ base: BaseImage | StageResult; key: string; triggers: string[] }> {
  const fromStage = shared.stageNamed(from, stage.index);
  if (fromStage !== undefined) {
    const base = await shared.stageResult(fromStage.index);
    return { base, key: `stage ${base.cacheKey}`, triggers: [] };
  }
  if (from.toLowerCase() === SCRATCH) return { base: scratchBase(hostPlatform()), key: SCRATCH, triggers: [] };
  const { root, snapshotter } = shared.layer;
  let base: BaseImage;
  try {
    base = await loadBaseImage(root, from);
  } catch (err) {
    if (!(err instanceof LayerctlError)) throw err;
    throw new LayerctlError(`FROM ${from}: ${err.message} (the builder pulls nothing: layerctl import or load it first)`, { cause: err });
  }
  // Unpacking reads the image again to find every layer in place; a committed top layer says so at once.
  if (!isCommitted(snapshotter, chainIds(base.layers.map((layer) => layer.diffId)).at(-1))) await unpackImage(root, snapshotter, base.id);
  return { base, key: `image ${base.id}`, triggers: base.config.config.OnBuild ?? [] };
}

/** The ARGs before the first FROM, each with its --build-arg value or its default. */
function resolveGlobalArgs(dockerfile: Dockerfile, buildArgs: Readonly<Record<string, string>>): Map<string, string | undefined> {
  const values = new Map<string, string | undefined>();
  for (const instruction of dockerfile.globalArgs) {
    for (const { name, defaultValue } of instruction.args) {
      const lookup: Lookup = (other) => values.get(other);
      const fallback = defaultValue === undefined ? undefined : expandingIn(instruction, () => expandWord(defaultValue, lookup, dockerfile.escape));
      values.set(name, buildArgs[name] ?? fallback);
    }
  }
  return values;
}

/** The target and the stages it is built FROM, transitively: the stages whose layers the image holds. */
function exportedStages(dockerfile: Dockerfile, target: Stage | undefined, fromWord: (stage: Stage) => string): Set<number> {
  const exported = new Set<number>();
  for (let stage = target; stage !== undefined; stage = stageRef(dockerfile, fromWord(stage), stage.index)) exported.add(stage.index);
  return exported;
}

function copyFromWords(stage: Stage): string[] {
  return stage.instructions.flatMap((instruction) => (instruction.kind === 'COPY' && instruction.from !== undefined ? [instruction.from] : []));
}

/** SOURCE_DATE_EPOCH as BuildKit takes it: whole seconds since the epoch, not negative. */
function parseSourceDateEpoch(value: string | undefined): bigint | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,12}$/.test(value)) throw new InvalidArgumentError(`${SOURCE_DATE_EPOCH}=${value}: not a number of seconds since 1970`);
  return BigInt(value);
}

/** The error a failed build ends with: the user's interrupt says so in one line. */
function cancelled(signal: AbortSignal | undefined, reason: unknown): unknown {
  if (signal?.aborted !== true) return reason;
  return new LayerctlError('build cancelled; no layer of the interrupted step was kept', { cause: reason });
}
