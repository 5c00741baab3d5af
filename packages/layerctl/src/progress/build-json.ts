import type { BuildEvent } from '@layerctl/builder';

/** `--progress json`: each event as one line of JSON, exactly the builder's event object. */
export function jsonBuildLine(event: BuildEvent): string {
  return JSON.stringify(event);
}
