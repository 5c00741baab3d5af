import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
// By path: bench does not depend on the CLI package, only on the two plugins its bundle also uses.
import { externalByAbsolutePath, ownFileLocations } from '@layerctl/layerctl/esbuild-plugins';

const PHASE_SOURCE = fileURLToPath(new URL('./phase.ts', import.meta.url));
const WORKSPACE = path.resolve(path.dirname(PHASE_SOURCE), '../..');
/** The phase bundle's file name inside the scratch dir it is built into. */
const BUNDLE_FILE = 'phase.mjs';

/** Native addons stay out of the bundle: their .node files are found relative to their own package. */
const NATIVE_PACKAGES: ReadonlySet<string> = new Set(['koffi', 'zstd-napi']);

/**
 * Bundles phase.ts with the workspace code it imports into one plain JavaScript file in `dir`
 * and returns its path: the phases then run as the product does (the CLI runs from an esbuild
 * bundle), without Node's TypeScript stripper (about 40 MB of RSS) and its ~60 module loads.
 */
export async function buildPhaseBundle(dir: string): Promise<string> {
  const outfile = path.join(dir, BUNDLE_FILE);
  await esbuild.build({
    absWorkingDir: WORKSPACE,
    entryPoints: [PHASE_SOURCE],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    logLevel: 'warning',
    plugins: [externalByAbsolutePath(NATIVE_PACKAGES), ownFileLocations],
  });
  return outfile;
}
