import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import type * as esbuild from 'esbuild';

/** Marks the resolutions this plugin asks esbuild for, so it does not answer them itself. */
const RESOLVING = Symbol('external-by-absolute-path');

/**
 * Leaves `packages` out of the bundle, each resolved from the file importing it and imported by
 * that absolute path: the bundle then runs from any directory, and pnpm's strict layout (koffi is
 * a dependency of sys only) holds. Native addons must stay out: their .node files are found
 * relative to their own package.
 */
export function externalByAbsolutePath(packages: ReadonlySet<string>): esbuild.Plugin {
  return {
    name: 'external-by-absolute-path',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === RESOLVING || !packages.has(packageName(args.path))) return undefined;
        const resolved = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: RESOLVING });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        return { path: pathToFileURL(resolved.path).href, external: true };
      });
    },
  };
}

/**
 * Gives each bundled module its own source file's import.meta.url, as when Node runs the source:
 * the executor finds its init's entry point, sys finds koffi, yargs its locales, relative to the
 * file that asks, not to the chunk it ends up in.
 */
export const ownFileLocations: esbuild.Plugin = {
  name: 'own-file-locations',
  setup(build) {
    build.onLoad({ filter: /\.(ts|js|mjs)$/ }, async (args) => {
      const source = await fs.promises.readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const contents = source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href));
      return { contents, loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
    });
  },
};

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}
