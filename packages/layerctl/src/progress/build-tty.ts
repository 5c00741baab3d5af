import type { BuildEvent } from '@layerctl/builder';
import { EMPTY_BUILD_VIEW, buildViewReducer, type BuildView } from './build-view-model.ts';
import type { BuildDisplay } from './build-display.ts';

/**
 * The Ink display on a terminal. Ink and React are imported here, when a terminal display is
 * really drawn: loading them costs most of a second, which plain and json never pay.
 */
export async function startTtyDisplay(stream: NodeJS.WriteStream): Promise<BuildDisplay> {
  const [{ default: React }, { render }, { BuildProgressApp }] = await Promise.all([import('react'), import('ink'), import('./build-tty-components.ts')]);
  let view: BuildView = EMPTY_BUILD_VIEW;
  const listeners = new Set<() => void>();
  const store = {
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getView: () => view,
  };
  // Ctrl-C is the build's to handle (it aborts cleanly); Ink must not exit on it by itself.
  const app = render(React.createElement(BuildProgressApp, { store }), { stdout: stream, stderr: stream, exitOnCtrlC: false, patchConsole: false });
  return {
    event(event: BuildEvent) {
      view = buildViewReducer(view, event);
      for (const listener of listeners) listener();
    },
    async close() {
      app.unmount();
      await app.waitUntilExit();
    },
  };
}
