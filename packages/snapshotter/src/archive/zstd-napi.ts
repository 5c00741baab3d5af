import { createRequire } from 'node:module';

/**
 * zstd-napi, loaded on first use: its native addon costs 6-8 ms to load, which every command that
 * opens the store paid at import time, while most (run, a cached build, images) never compress.
 */
const require = createRequire(import.meta.url);

let streams: typeof import('zstd-napi') | undefined;
let binding: typeof import('zstd-napi/binding.js') | undefined;

/** The package's stream classes (CompressStream...). */
export function zstdStreams(): typeof import('zstd-napi') {
  if (streams !== undefined) return streams;
  const loaded: typeof import('zstd-napi') = require('zstd-napi');
  streams = loaded;
  return loaded;
}

/** The addon's bindings (CCtx, parameters, levels). */
export function zstdBinding(): typeof import('zstd-napi/binding.js') {
  if (binding !== undefined) return binding;
  const loaded: typeof import('zstd-napi/binding.js') = require('zstd-napi/binding.js');
  binding = loaded;
  return loaded;
}
