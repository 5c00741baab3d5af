/**
 * Buffers for file contents and tar batches on their way from packTree into a layer blob,
 * reused once the blob writer hands them back (chunk-return.ts) instead of a fresh Buffer for
 * every 256 KiB read: fresh buffers cost page faults on the main thread and garbage the
 * collector frees late, which made up most of a pack's peak RSS (bench/README.md, session 3).
 *
 * A buffer is lent to one user at a time; only buffers lent from here come back, so handing
 * back anything else is harmless. Buffers nobody hands back are left to the garbage collector.
 */
export const POOLED_BYTES = 256 * 1024;

/** Idle buffers kept for reuse; a pack needs a few at once, more would only hold memory. */
const MAX_IDLE = 8;

const idle: Buffer[] = [];
const lent = new WeakSet<ArrayBufferLike>();

/** A POOLED_BYTES buffer of undefined content, lent until givePooled. */
export function takePooled(): Buffer {
  const buffer = idle.pop() ?? Buffer.allocUnsafe(POOLED_BYTES);
  lent.add(buffer.buffer);
  return buffer;
}

/** Takes back a buffer lent by takePooled (or a view of it from its start) whose user is done with it. */
export function givePooled(chunk: Buffer): void {
  const buffer = chunk.buffer;
  if (chunk.byteOffset !== 0 || !lent.delete(buffer)) return;
  if (idle.length < MAX_IDLE) idle.push(Buffer.from(buffer, 0, POOLED_BYTES));
}
