import { nearestName } from '@layerctl/sys';

/** The most edits a typo may need for its nearest command to be suggested. */
const MAX_TYPO_DISTANCE = 2;

/** `; did you mean "images"?` for a near miss, and otherwise where the list of commands is. */
export function suggestCommand(typed: string, known: readonly string[]): string {
  const best = nearestName(typed, known, MAX_TYPO_DISTANCE);
  return best === undefined ? ' (layerctl --help lists the commands)' : `; did you mean "${best}"?`;
}
