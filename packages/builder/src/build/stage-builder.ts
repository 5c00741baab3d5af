import type { BuildNetwork } from '../steps/build-network.ts';
import { LayerctlError } from '@layerctl/sys';
import { chainIds, type Digest, type HistoryEntry } from '@layerctl/snapshotter';
import { baseCacheKey, stepCacheKey } from '../cache/cache-key.ts';
import type { BuildCache } from '../cache/build-cache.ts';
import type { ContextSums } from '../context/context-sums.ts';
import type { PatternMatcher } from '../dockerignore/pattern-matcher.ts';
import { DockerfileError } from '../dockerfile/dockerfile-error.ts';
import { expandWord, expandWords, expandingIn, type EscapeChar, type Lookup } from '../dockerfile/expand.ts';
import type { ArgInstruction, CopyInstruction, Instruction, RunInstruction, Stage } from '../dockerfile/instructions.ts';
import type { BaseImage } from '../image-config/base-image.ts';
import { DEFAULT_PATH, type BuildImageConfig, type BuiltLayer } from '../image-config/build-config.ts';
import type { BuildEvent } from '../progress-events/build-event.ts';
import { applyConfigInstruction, getEnv, isConfigInstruction, setEnv, type ConfigStepState, type Expander } from '../steps/config-step.ts';
import { buildLayer, type LayerContext, type LayerResult } from '../steps/layer-step.ts';
import { planCopy, type CopyPlan } from '../steps/copy-step.ts';
import { planRun, type RunPlan } from '../steps/run-step.ts';
import { isCommitted } from './is-committed.ts';

/**
 * zstd level of the layers of stages the target image does not contain (those only COPY --from
 * reads): they stay in this root and are never exported, so speed matters more than size; level
 * 1 packs about 25% faster than the default 3 and ~30% bigger on text (compression.ts). DiffIDs
 * do not depend on it. Should a later build export such a cached layer, its blob is this bigger one.
 */
const INTERMEDIATE_ZSTD_LEVEL = 1;

/** A finished stage: what COPY --from and FROM <stage> read, and what the target becomes. */
export interface StageResult {
  config: BuildImageConfig;
  layers: BuiltLayer[];
  /** The ChainID of the top layer, undefined for a stage without layers. */
  chainId: Digest | undefined;
  /** The cache key of the last step: the stage's identity for stages built FROM it. */
  cacheKey: string;
}

/** What every stage of one build shares. */
export interface BuildShared {
  layer: LayerContext;
  cache: BuildCache;
  noCache: boolean;
  escape: EscapeChar;
  contextDir: string;
  /** What earlier builds learned of the context's files, for COPY and ADD checksums. */
  contextSums: ContextSums;
  /** The context's .dockerignore, read once per build. */
  contextIgnore(): Promise<PatternMatcher>;
  /** The values --build-arg gave. */
  buildArgs: Readonly<Record<string, string>>;
  /** Global ARGs (before the first FROM) with their values. */
  globalArgs: ReadonlyMap<string, string | undefined>;
  network: BuildNetwork;
  cgroupParent: string | undefined;
  /** The stages whose layers are the target image's: the target and the stages it is built FROM. */
  exported: ReadonlySet<number>;
  emit: (event: BuildEvent) => void;
  /** Reserves `count` more step numbers (ONBUILD triggers), returning the first. */
  addSteps(count: number): number;
  /** The result of an earlier stage, building it if no one has yet. */
  stageResult(index: number): Promise<StageResult>;
  /** The stage a COPY --from word names, or undefined when it names an image. */
  stageNamed(word: string, from: number): Stage | undefined;
  /** The history time of a step run now: SOURCE_DATE_EPOCH when set. */
  now(): string;
}

/**
 * Builds one stage: walks its instructions with the ARG and ENV values in scope, keeps the image
 * config and layer list, and for each step asks the cache first (see cache-key.ts for what a key
 * covers). Config-only steps are always applied (they are pure); only their history time comes
 * from the cache, so a fully cached rebuild writes the same config and the same image id.
 */
export class StageBuilder {
  readonly #shared: BuildShared;
  readonly #stage: Stage;
  readonly #label: string;
  readonly #config: BuildImageConfig;
  readonly #layers: BuiltLayer[];
  #chainId: Digest | undefined;
  #key: string;
  readonly #args = new Map<string, string>();
  readonly #configState: ConfigStepState = { cmdSet: false };
  /** Keys this stage hit, marked used in one write when the stage's steps are done. */
  readonly #hits: string[] = [];

  constructor(shared: BuildShared, stage: Stage, label: string, base: BaseImage | StageResult, baseKey: string) {
    this.#shared = shared;
    this.#stage = stage;
    this.#label = label;
    this.#config = structuredClone(base.config);
    delete this.#config.config.OnBuild;
    // BuildKit gives every image a PATH: a base without one (an imported rootfs) gets Docker's default.
    if (getEnv(this.#config.config.Env, 'PATH') === undefined) this.#config.config.Env = setEnv(this.#config.config.Env ?? [], 'PATH', DEFAULT_PATH);
    this.#layers = [...base.layers];
    this.#chainId = chainIds(this.#layers.map((layer) => layer.diffId)).at(-1);
    this.#key = baseCacheKey(baseKey);
  }

  /** Runs `instructions`, numbered from `firstStep`; the stage's own list unless ONBUILD triggers come first. */
  async run(instructions: readonly Instruction[], firstStep: number, total: number): Promise<void> {
    for (const [i, instruction] of instructions.entries()) {
      this.#shared.layer.signal?.throwIfAborted();
      await this.#step(instruction, firstStep + i, `${this.#label}${i + 2}/${total}] ${instruction.original}`);
    }
    this.#shared.cache.touch(this.#hits.splice(0));
  }

  result(): StageResult {
    return { config: this.#config, layers: [...this.#layers], chainId: this.#chainId, cacheKey: this.#key };
  }

  async #step(instruction: Instruction, step: number, name: string): Promise<void> {
    if (instruction.kind === 'ARG') return this.#configOnly(step, name, () => this.#arg(instruction), false);
    if (isConfigInstruction(instruction)) {
      return this.#configOnly(step, name, () => expandingIn(instruction, () => applyConfigInstruction(this.#config.config, instruction, this.#expander(), this.#configState)), true);
    }
    if (instruction.kind === 'RUN') return this.#layerStep(step, name, instruction, await placing(instruction, () => this.#planRun(instruction)));
    if (instruction.kind === 'COPY' || instruction.kind === 'ADD') return this.#layerStep(step, name, instruction, await placing(instruction, () => this.#planCopy(instruction)));
    throw new DockerfileError({ file: instruction.location.file, line: instruction.location.startLine }, instruction.kind, 'may only start a stage');
  }

  /**
   * ARG: each name takes its --build-arg value, else its default, else (redeclared without one)
   * the value of the global ARG of that name, as Docker scopes them.
   */
  #arg(instruction: ArgInstruction): { canonical: unknown; createdBy: string } {
    const set: Array<[string, string]> = [];
    for (const { name, defaultValue } of instruction.args) {
      const fallback = (): string | undefined =>
        defaultValue === undefined ? this.#shared.globalArgs.get(name) : expandingIn(instruction, () => expandWord(defaultValue, this.#lookup(), this.#shared.escape));
      const value = this.#shared.buildArgs[name] ?? fallback();
      if (value === undefined) continue;
      this.#args.set(name, value);
      set.push([name, value]);
    }
    return { canonical: ['ARG', set], createdBy: `ARG ${set.map(([k, v]) => `${k}=${v}`).join(' ')}` };
  }

  /** A step that changes only the config: a history entry with empty_layer, its time from the cache on a hit. */
  async #configOnly(step: number, name: string, apply: () => { canonical: unknown; createdBy: string }, history: boolean): Promise<void> {
    const change = apply();
    const key = stepCacheKey(this.#key, { instruction: change.canonical, args: Object.fromEntries(this.#args) });
    const hit = this.#shared.noCache ? undefined : this.#shared.cache.lookup(key);
    const created = hit?.created ?? this.#shared.now();
    const at = Date.now();
    if (hit !== undefined) {
      this.#hits.push(key);
      this.#shared.emit({ type: 'step-cached', step, name, at });
    } else {
      this.#shared.emit({ type: 'step-started', step, name, at });
      this.#shared.cache.store({ key, created });
      this.#shared.emit({ type: 'step-done', step, at: Date.now(), ms: Date.now() - at });
    }
    if (history) this.#config.history.push({ created, created_by: change.createdBy, empty_layer: true });
    this.#key = key;
  }

  async #layerStep(step: number, name: string, instruction: RunInstruction | CopyInstruction, plan: RunPlan | CopyPlan): Promise<void> {
    const key = stepCacheKey(this.#key, plan.keyParts);
    const hit = this.#shared.noCache ? undefined : this.#cachedLayer(key);
    if (hit !== undefined) {
      this.#hits.push(key);
      this.#shared.emit({ type: 'step-cached', step, name, at: Date.now() });
      this.#addLayer(hit.layer, hit.chainId, { created: hit.created, created_by: plan.createdBy }, key);
      return;
    }
    const started = Date.now();
    this.#shared.emit({ type: 'step-started', step, name, at: started });
    let result: LayerResult;
    try {
      const onLine = (stream: 'stdout' | 'stderr', line: string): void => this.#shared.emit({ type: 'step-log', step, stream, line, at: Date.now() });
      const layerContext = this.#shared.exported.has(this.#stage.index) ? this.#shared.layer : { ...this.#shared.layer, zstdLevel: INTERMEDIATE_ZSTD_LEVEL };
      result = await buildLayer(layerContext, this.#layers.map((layer) => layer.diffId), (rootfs) => plan.execute(rootfs, onLine));
    } catch (err) {
      this.#shared.emit({ type: 'step-failed', step, at: Date.now(), message: err instanceof Error ? err.message : String(err) });
      throw placed(instruction, err);
    }
    const created = this.#shared.now();
    this.#shared.emit({ type: 'layer-written', step, diffId: result.layer.diffId, size: result.uncompressedSize, at: Date.now() });
    this.#shared.cache.store({ key, created, layer: result.layer });
    this.#addLayer(result.layer, result.chainId, { created, created_by: plan.createdBy }, key);
    this.#shared.emit({ type: 'step-done', step, at: Date.now(), ms: Date.now() - started });
  }

  /** A cache entry whose layer is still stored as blob and as a committed snapshot on our chain. */
  #cachedLayer(key: string): { layer: BuiltLayer; chainId: Digest; created: string } | undefined {
    const entry = this.#shared.cache.lookup(key);
    if (entry?.layer === undefined) return undefined;
    const chainId = chainIds([...this.#layers.map((layer) => layer.diffId), entry.layer.diffId]).at(-1);
    if (chainId === undefined || !isCommitted(this.#shared.layer.snapshotter, chainId)) return undefined;
    this.#shared.layer.lease.addBlob(entry.layer.digest);
    return { layer: entry.layer, chainId, created: entry.created };
  }

  #addLayer(layer: BuiltLayer, chainId: Digest, history: HistoryEntry, key: string): void {
    this.#layers.push(layer);
    this.#config.rootfs.diff_ids.push(layer.diffId);
    this.#config.history.push(history);
    this.#chainId = chainId;
    this.#key = key;
  }

  async #planRun(instruction: RunInstruction): Promise<RunPlan> {
    return planRun(instruction, {
      config: this.#config.config,
      args: this.#args,
      network: this.#shared.network,
      cgroupParent: this.#shared.cgroupParent,
      workspace: this.#shared.layer.workspace,
      signal: this.#shared.layer.signal,
    });
  }

  async #planCopy(instruction: CopyInstruction): Promise<CopyPlan> {
    const expander = this.#expander();
    return expandingIn(instruction, () =>
      planCopy(instruction, {
        expander,
        lookup: this.#lookup(),
        config: this.#config.config,
        args: this.#args,
        contextDir: this.#shared.contextDir,
        stageIndex: this.#stage.index,
        shared: this.#shared,
      }),
    );
  }

  /** ENV wins over ARG of the same name, as Docker expands. */
  #lookup(): Lookup {
    const env = this.#config.config.Env ?? [];
    return (name) => {
      const prefix = `${name}=`;
      const entry = env.findLast((item) => item.startsWith(prefix));
      return entry !== undefined ? entry.slice(prefix.length) : this.#args.get(name);
    };
  }

  #expander(): Expander {
    const lookup = this.#lookup();
    const escape = this.#shared.escape;
    return { word: (word) => expandWord(word, lookup, escape), words: (word) => expandWords(word, lookup, escape) };
  }
}

/** Runs `plan`, placing its failure (a missing COPY source, a bad --chmod) at the instruction's line. */
async function placing<T>(instruction: Instruction, plan: () => Promise<T>): Promise<T> {
  try {
    return await plan();
  } catch (err) {
    throw placed(instruction, err);
  }
}

/** A step's failure, placed at its Dockerfile line unless it already is. */
function placed(instruction: Instruction, err: unknown): unknown {
  if (err instanceof DockerfileError || !(err instanceof LayerctlError)) return err;
  return new DockerfileError({ file: instruction.location.file, line: instruction.location.startLine }, instruction.kind, err.message, { cause: err });
}

