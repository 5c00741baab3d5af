/**
 * An opt-in handshake between a producer of byte chunks that can reuse them and a consumer that
 * knows when it is done with them: the decode worker's output (blob-decode-worker.ts) and
 * applyLayer's tar reader. Reusing a chunk saves the producer a fresh buffer (on a worker
 * thread, its page faults cost more than decoding into it) and the consumer's garbage collector
 * the work of freeing it.
 *
 * A consumer may hand a chunk back only when neither it nor anything it gave a piece of the
 * chunk to will read it again; the producer must accept any chunk, and reuse only its own.
 */
export const RETURN_CHUNK = Symbol('layerctl.returnChunk');

export interface ReturnableChunks {
  [RETURN_CHUNK](chunk: Buffer): void;
}

/** The source's hand-back function, if it offers one. */
export function chunkReturner(source: object): ((chunk: Buffer) => void) | undefined {
  if (!(RETURN_CHUNK in source)) return undefined;
  const giveBack: unknown = source[RETURN_CHUNK];
  return typeof giveBack === 'function' ? (chunk) => giveBack.call(source, chunk) : undefined;
}
