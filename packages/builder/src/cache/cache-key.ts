import { sha256Digest } from '@layerctl/snapshotter';

/** Bumped when the meaning of a key changes, so entries written by an older builder never hit. */
const CACHE_KEY_VERSION = 'layerctl-build-cache/1';

/** What decides a step's result besides the steps before it. */
export interface StepKeyParts {
  /** The instruction in canonical form: its kind and its words after variable expansion, as JSON. */
  instruction: unknown;
  /** The ARG values the step can see (name → value), in any order. */
  args: Record<string, string>;
  /** The content checksum of what a COPY/ADD selects (mtime excluded), or the ChainID a COPY --from reads. */
  sources?: string;
}

/** The key a stage's first step stands on: what FROM resolved to (an image id, or scratch). */
export function baseCacheKey(base: string): string {
  return sha256Digest(`${CACHE_KEY_VERSION}\nFROM ${base}`);
}

/**
 * A step's key: its parent's key, then the step's canonical parts. The parent key already
 * covers every earlier instruction, and so the ENV, WORKDIR, USER and SHELL in force.
 */
export function stepCacheKey(parentKey: string, parts: StepKeyParts): string {
  const args = Object.entries(parts.args).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return sha256Digest(JSON.stringify([CACHE_KEY_VERSION, parentKey, parts.instruction, args, parts.sources ?? null]));
}
