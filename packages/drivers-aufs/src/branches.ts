import { InvalidArgumentError } from '@layerctl/sys';

/** What one mount of a layer unites: its own branch (when it is written) over its ancestors'. */
export interface Branches {
  /** The layer's own branch and fuse-overlayfs's work dir; absent for a read-only layer. */
  rw?: { diff: string; work: string };
  /** The ancestors' branches, nearest first. */
  ro: string[];
  /** A read-only layer with no ancestors shows its own (empty, never written) branch. */
  own: string;
}

/** Characters that separate words of branch options (`br:a=rw:b=ro+wh`, `lowerdir=a:b`, `-o x,y`). */
const OPTION_SEPARATORS = /[:,=]/;

/** Branch paths go into option strings; one that would split there is refused before it can mount the wrong tree. */
export function checkBranchPath(dir: string): string {
  if (OPTION_SEPARATORS.test(dir)) throw new InvalidArgumentError(`aufs branch ${dir}: a path with ':', ',' or '=' cannot be named in mount options`);
  return dir;
}
