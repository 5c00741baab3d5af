/** Bounds on what input from outside may make layerctl spend. */

/**
 * The most a layer (or rootfs tarball) may decompress to. No real root filesystem comes near
 * it; a gzip or zstd bomb passes it within seconds and is stopped there.
 */
export const MAX_LAYER_BYTES = 64 * 1024 ** 3;

/** Larger than any real manifest, config, index or manifest.json (a config with thousands of history entries is well under 1 MiB). */
export const MAX_DOCUMENT_BYTES = 8 * 1024 * 1024;

/** All the JSON files of one archive kept in memory together (an old docker save has one small json per layer). */
export const MAX_ARCHIVE_DOCUMENTS_BYTES = 64 * 1024 * 1024;
