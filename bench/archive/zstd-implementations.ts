/**
 * The zstd implementations the bench compares: `zstd-napi` is the product path (whatever
 * compression.ts uses for writeLayerBlob and decompressStream), `node:zlib` is Node's built-in zstd
 * put in the same pipeline, so the choice between them stays backed by numbers. For unpacking, the
 * product path also decodes with node:zlib (on the thread pool, a frame at a time, with read-ahead:
 * zstd-decompress-stream.ts); the alternative there is that decoder bare, as Node ships it.
 */
export const ZSTD_IMPLEMENTATIONS = ['zstd-napi', 'node:zlib'] as const;
export type ZstdImplementation = (typeof ZSTD_IMPLEMENTATIONS)[number];
