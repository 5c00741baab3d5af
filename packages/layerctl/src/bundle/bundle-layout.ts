import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the CLI's bundle lives and how a build is recorded. bin/bundled-entry.js reads the same
 * layout in plain JavaScript (it runs before any TypeScript may load): keep the two in step.
 *
 * dist/
 *   current.json          which build is current, when it started, what it was made from
 *   build-<ms>-<pid>/     one esbuild output: main.js and its chunks, with source maps
 */
export const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
export const DEFAULT_DIST_DIR = path.join(PACKAGE_DIR, 'dist');
export const CURRENT_FILE = 'current.json';
export const BUILD_PREFIX = 'build-';
export const ENTRY_FILE = 'main.js';

/** What current.json holds. */
export interface BuildRecord {
  /** The build's directory name under dist/. */
  build: string;
  /** When the build began reading sources (ms since the epoch): a source newer than this is an edit it missed. */
  startedAt: number;
  /** Absolute paths of every file the build read, plus the package manifests and the lockfile. */
  inputs: string[];
}
