#!/usr/bin/env node
// The `layerctl` command. Plain JavaScript so it can be a bin; the code it runs is TypeScript,
// which Node runs directly by stripping the types.
import module from 'node:module';

// Node caches each module's stripped and compiled form on disk (in the OS temp dir, keyed by
// content), which cuts start-up by tens of milliseconds: --version stays well under 150 ms.
module.enableCompileCache?.();

const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
