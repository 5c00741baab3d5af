/**
 * The zstd implementations the bench compares: `zstd-napi` is the product path (whatever
 * compression.ts uses for writeLayerBlob and decompressStream), `node:zlib` is Node's built-in zstd
 * put in the same pipeline, so the choice between them stays backed by numbers.
 */
export const ZSTD_IMPLEMENTATIONS = ['zstd-napi', 'node:zlib'] as const;
export type ZstdImplementation = (typeof ZSTD_IMPLEMENTATIONS)[number];
