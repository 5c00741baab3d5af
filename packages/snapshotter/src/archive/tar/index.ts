/** The tar codec: exact ustar + PAX headers (see headers.ts for why it is ours), streamed both ways. */
export { readTar, DEFAULT_MAX_METADATA_BYTES } from './tar-reader.ts';
export type { ReadTarEntry, TarBody, TarEntry, TarReadLimits } from './tar-reader.ts';
export { writeTar } from './tar-writer.ts';
export type { TarInput } from './tar-writer.ts';
export { tarHeader } from './tar-header.ts';
export type { TarHeader, EntryType } from './tar-header.ts';
