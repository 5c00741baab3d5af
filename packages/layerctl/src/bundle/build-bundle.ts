import fs from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { BUILD_PREFIX, type BuildRecord, CURRENT_FILE, DEFAULT_DIST_DIR, ENTRY_FILE, PACKAGE_DIR } from './bundle-layout.ts';
import { externalByAbsolutePath, ownFileLocations } from './esbuild-plugins.ts';
import { pruneBuilds } from './prune-builds.ts';

const WORKSPACE = path.resolve(PACKAGE_DIR, '../..');
const MAIN_SOURCE = path.join(PACKAGE_DIR, 'src/main.ts');
/**
 * Packages left outside the bundle: native addons (their .node files are found relative to their
 * own package) and Ink with React, which only a terminal display loads. They are imported by
 * absolute path, so pnpm's strict layout (koffi is a dependency of sys, not of layerctl) holds.
 */
const EXTERNAL_PACKAGES = new Set(['koffi', 'zstd-napi', '@napi-rs/blake-hash', 'ink', 'react']);
/** Besides what esbuild reads: files whose change can change what a bundle would be. */
const EXTRA_INPUTS = ['pnpm-lock.yaml', 'package.json', 'packages/layerctl/src/bundle/build-bundle.ts', 'packages/layerctl/bin/bundled-entry.js'];

/**
 * Bundles the CLI (src/main.ts, the workspace packages and yargs) into a new directory under
 * `distDir` with esbuild, split into chunks so a command still loads only what it imports, then
 * makes it current by renaming current.json into place: a process that read the previous record
 * keeps a complete build to load its chunks from. Returns the path of the new build's main.js.
 */
export async function buildBundle(distDir: string = DEFAULT_DIST_DIR): Promise<string> {
  const startedAt = Date.now();
  const build = `${BUILD_PREFIX}${startedAt}-${process.pid}`;
  const outdir = path.join(distDir, build);
  const result = await esbuild.build({
    absWorkingDir: WORKSPACE,
    entryPoints: [MAIN_SOURCE],
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'silent',
    plugins: [externalByAbsolutePath(EXTERNAL_PACKAGES), ownFileLocations],
  });
  const record: BuildRecord = { build, startedAt, inputs: inputsOf(result.metafile) };
  writeCurrent(distDir, record);
  pruneBuilds(distDir, build);
  return path.join(outdir, ENTRY_FILE);
}

function inputsOf(metafile: esbuild.Metafile): string[] {
  const read = Object.keys(metafile.inputs).map((input) => path.resolve(WORKSPACE, input));
  const manifests = fs.readdirSync(path.join(WORKSPACE, 'packages')).map((name) => path.join('packages', name, 'package.json'));
  return [...new Set([...read, ...[...EXTRA_INPUTS, ...manifests].map((file) => path.join(WORKSPACE, file))])];
}

/** Makes `record` current, and stamps the build it replaces with the time it stopped being current. */
function writeCurrent(distDir: string, record: BuildRecord): void {
  const currentFile = path.join(distDir, CURRENT_FILE);
  const replaced = readBuildName(currentFile);
  const temp = path.join(distDir, `.${CURRENT_FILE}.${process.pid}`);
  fs.writeFileSync(temp, JSON.stringify(record));
  fs.renameSync(temp, currentFile);
  if (replaced !== undefined && replaced !== record.build) markReplaced(path.join(distDir, replaced));
}

function readBuildName(currentFile: string): string | undefined {
  try {
    const record: unknown = JSON.parse(fs.readFileSync(currentFile, 'utf8'));
    if (typeof record === 'object' && record !== null && 'build' in record && typeof record.build === 'string') return record.build;
  } catch {
    // No previous build (first build) or a damaged record: nothing to mark.
  }
  return undefined;
}

function markReplaced(buildDir: string): void {
  const now = new Date();
  try {
    fs.utimesSync(buildDir, now, now);
  } catch {
    // Pruned by a concurrent build already.
  }
}
