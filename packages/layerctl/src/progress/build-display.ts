import type { BuildEvent } from '@layerctl/builder';
import { jsonBuildLine } from './build-json.ts';
import { plainBuildFormatter } from './build-plain.ts';

/** Where build events go while a build runs. */
export interface BuildDisplay {
  event(event: BuildEvent): void;
  /** Draws the last frame and lets go of the terminal. */
  close(): Promise<void>;
}

export type ProgressMode = 'auto' | 'tty' | 'plain' | 'json';

/**
 * The display --progress asks for, on `stream` (stderr: stdout carries the image id). `auto` is
 * the Ink display on a terminal and plain lines elsewhere (CI logs), as BuildKit chooses.
 */
export async function openBuildDisplay(mode: ProgressMode, stream: NodeJS.WriteStream): Promise<BuildDisplay> {
  const chosen = mode === 'auto' ? (stream.isTTY ? 'tty' : 'plain') : mode;
  if (chosen === 'tty') {
    const { startTtyDisplay } = await import('./build-tty.ts');
    return startTtyDisplay(stream);
  }
  const format = chosen === 'json' ? jsonBuildLine : plainBuildFormatter();
  return {
    event: (event) => stream.write(`${format(event)}\n`),
    close: async () => {},
  };
}
