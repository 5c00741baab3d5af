#!/usr/bin/env node
// The `layerctl` command. Plain JavaScript so it can be a bin; the code it runs is TypeScript,
// bundled by esbuild into dist/ (src/bundle/README.md), or the sources themselves when no bundle can
// be made, which Node runs by stripping the types.
import module from 'node:module';
import { fileURLToPath } from 'node:url';
import { bundledEntry } from './bundled-entry.js';

// Node caches each module's compiled form on disk, keyed by content, which cuts start-up by tens
// of milliseconds. The cache sits with the package (root-owned like the code), not in a
// world-writable temp dir where another user could plant compiled code for root to run.
module.enableCompileCache?.(fileURLToPath(new URL('../node_modules/.cache/layerctl-cli', import.meta.url)));
// Stack traces (--debug) then name the TypeScript sources, not the bundle's lines.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);

const entry = (await bundledEntry()) ?? new URL('../src/main.ts', import.meta.url).href;
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
