import { InvalidArgumentError } from '@layerctl/sys';

/**
 * Finds where zstd frames begin and end in a stream of chunks, without decoding them
 * (RFC 8878 section 3.1): a decoder that stops after its first frame (node:zlib's) can then be
 * given one frame at a time, and a multi-frame stream is read whole.
 *
 * Only the framing is read: the magic number, the frame header descriptor (which gives the size
 * of the window, dictionary id and content size fields that follow it), the 3-byte block headers
 * (last-block bit, type, size) and the optional 4-byte checksum. Skippable frames (magic
 * 0x184D2A5?, then a 4-byte size) are consumed and dropped, as zstd(1) does. Block contents pass
 * as views of the input chunks, never copied; the decoder checks them.
 */

/** A run of bytes of one zstd frame; `endsFrame` when its last byte is the frame's last. */
export interface FramePiece {
  bytes: Buffer;
  endsFrame: boolean;
}

const ZSTD_FRAME_MAGIC = 0xfd2fb528;
/** Skippable frames: 0x184D2A50 to 0x184D2A5F. */
const SKIPPABLE_MAGIC = 0x184d2a50;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const MAGIC_BYTES = 4;
const SKIPPABLE_SIZE_BYTES = 4;
const DESCRIPTOR_BYTES = 1;
const BLOCK_HEADER_BYTES = 3;
const CHECKSUM_BYTES = 4;
/** Frame header descriptor bits (RFC 8878 section 3.1.1.1.1). */
const RESERVED_BIT = 0x08;
const CHECKSUM_FLAG = 0x04;
const SINGLE_SEGMENT_FLAG = 0x20;
const DICT_ID_SIZES = [0, 1, 2, 4];
/** Frame content size field sizes by FCS flag; flag 0 means 1 byte only in a single-segment frame. */
const FCS_SIZES = [0, 2, 4, 8];
/** Block types (RFC 8878 section 3.1.1.2.2). */
const RLE_BLOCK = 1;
const RESERVED_BLOCK = 3;
/** An RLE block's content is the one byte it repeats. */
const RLE_CONTENT_BYTES = 1;

/** A header field read whole before it is understood. */
type Field = 'magic' | 'skippable-size' | 'descriptor' | 'block-header';
/** What comes after a run of bytes passed through by count. */
type AfterCount = 'magic' | 'block-header' | 'checksum' | 'frame-end';

export class ZstdFrameSplitter {
  /** Bytes of input seen, for errors. */
  #offset = 0;
  #field: Field | undefined = 'magic';
  readonly #fieldBytes = Buffer.alloc(MAGIC_BYTES);
  #fieldHave = 0;
  /** Bytes still to pass by count, then #after. */
  #count = 0;
  #after: AfterCount = 'magic';
  #inFrame = false;
  #checksum = false;
  /** Where the frame that is being read began, for errors. */
  #frameOffset = 0;
  // The chunk being split and the start of the current frame's run in it (-1: not in a frame).
  #pieces: FramePiece[] = [];
  #chunk: Buffer = Buffer.alloc(0);
  #runStart = -1;

  /** The frame bytes in `chunk`, cut where frames end; skippable frames are left out. */
  split(chunk: Buffer): FramePiece[] {
    this.#pieces = [];
    this.#chunk = chunk;
    this.#runStart = this.#inFrame ? 0 : -1;
    let pos = 0;
    while (pos < chunk.length) {
      if (this.#field === undefined) {
        const take = Math.min(this.#count, chunk.length - pos);
        pos += take;
        this.#count -= take;
        if (this.#count === 0) this.#afterCount(pos);
      } else {
        const take = Math.min(fieldLength(this.#field) - this.#fieldHave, chunk.length - pos);
        chunk.copy(this.#fieldBytes, this.#fieldHave, pos, pos + take);
        this.#fieldHave += take;
        pos += take;
        if (this.#fieldHave === fieldLength(this.#field)) this.#onField(this.#field, pos);
      }
    }
    this.#offset += chunk.length;
    if (this.#runStart >= 0 && this.#runStart < chunk.length) this.#pieces.push({ bytes: chunk.subarray(this.#runStart), endsFrame: false });
    const pieces = this.#pieces;
    this.#pieces = [];
    this.#chunk = Buffer.alloc(0);
    return pieces;
  }

  /** True when the input so far ends between frames (or is empty): a stream may end here. */
  get atFrameBoundary(): boolean {
    return this.#field === 'magic' && this.#fieldHave === 0;
  }

  #onField(field: Field, pos: number): void {
    this.#fieldHave = 0;
    switch (field) {
      case 'magic':
        return this.#onMagic(this.#fieldBytes.readUInt32LE(0), pos);
      case 'skippable-size':
        this.#field = undefined;
        return this.#pass(this.#fieldBytes.readUInt32LE(0), 'magic', pos);
      case 'descriptor':
        return this.#onDescriptor(this.#fieldBytes[0] ?? 0, pos);
      case 'block-header':
        return this.#onBlockHeader(this.#fieldBytes.readUIntLE(0, BLOCK_HEADER_BYTES), pos);
    }
  }

  #onMagic(magic: number, pos: number): void {
    this.#frameOffset = this.#offset + pos - MAGIC_BYTES;
    if (magic === ZSTD_FRAME_MAGIC) {
      this.#inFrame = true;
      // The magic number belongs to the frame: a view when this chunk holds it, else its bytes again.
      if (pos >= MAGIC_BYTES) {
        this.#runStart = pos - MAGIC_BYTES;
      } else {
        this.#pieces.push({ bytes: Buffer.from(this.#fieldBytes.subarray(0, MAGIC_BYTES)), endsFrame: false });
        this.#runStart = pos;
      }
      this.#field = 'descriptor';
      return;
    }
    if (((magic & SKIPPABLE_MAGIC_MASK) >>> 0) === SKIPPABLE_MAGIC) {
      this.#field = 'skippable-size';
      return;
    }
    throw new InvalidArgumentError(`zstd stream: no frame magic number at byte offset ${this.#frameOffset} (not zstd data, or garbage after the last frame)`);
  }

  #onDescriptor(descriptor: number, pos: number): void {
    if ((descriptor & RESERVED_BIT) !== 0) {
      throw new InvalidArgumentError(`zstd stream: frame at byte offset ${this.#frameOffset} sets the reserved bit of its header descriptor`);
    }
    const singleSegment = (descriptor & SINGLE_SEGMENT_FLAG) !== 0;
    const fcsFlag = descriptor >> 6;
    const windowBytes = singleSegment ? 0 : 1;
    const dictIdBytes = DICT_ID_SIZES[descriptor & 0x03] ?? 0;
    const fcsBytes = fcsFlag === 0 && singleSegment ? 1 : (FCS_SIZES[fcsFlag] ?? 0);
    this.#checksum = (descriptor & CHECKSUM_FLAG) !== 0;
    this.#field = undefined;
    this.#pass(windowBytes + dictIdBytes + fcsBytes, 'block-header', pos);
  }

  #onBlockHeader(header: number, pos: number): void {
    const last = (header & 1) === 1;
    const type = (header >> 1) & 0x03;
    if (type === RESERVED_BLOCK) {
      throw new InvalidArgumentError(`zstd stream: block of the reserved type in the frame at byte offset ${this.#frameOffset}`);
    }
    this.#field = undefined;
    this.#pass(type === RLE_BLOCK ? RLE_CONTENT_BYTES : header >>> 3, last ? 'checksum' : 'block-header', pos);
  }

  /** Passes `count` bytes (maybe none) by, then goes on to `after`. */
  #pass(count: number, after: AfterCount, pos: number): void {
    this.#count = count;
    this.#after = after;
    if (count === 0) this.#afterCount(pos);
  }

  #afterCount(pos: number): void {
    switch (this.#after) {
      case 'magic':
        this.#field = 'magic';
        return;
      case 'block-header':
        this.#field = 'block-header';
        return;
      case 'checksum':
        return this.#pass(this.#checksum ? CHECKSUM_BYTES : 0, 'frame-end', pos);
      case 'frame-end':
        this.#pieces.push({ bytes: this.#chunk.subarray(Math.max(this.#runStart, 0), pos), endsFrame: true });
        this.#inFrame = false;
        this.#runStart = -1;
        this.#field = 'magic';
        return;
    }
  }
}

function fieldLength(field: Field): number {
  switch (field) {
    case 'magic':
      return MAGIC_BYTES;
    case 'skippable-size':
      return SKIPPABLE_SIZE_BYTES;
    case 'descriptor':
      return DESCRIPTOR_BYTES;
    case 'block-header':
      return BLOCK_HEADER_BYTES;
  }
}
