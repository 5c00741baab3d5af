import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import test from 'ava';
import { InvalidArgumentError } from '@layerctl/sys';
import { ZstdFrameSplitter } from './zstd-frames.ts';

const { ZSTD_c_checksumFlag, ZSTD_c_contentSizeFlag, ZSTD_c_compressionLevel } = zlib.constants;

/** A skippable frame (RFC 8878 section 3.1.2): magic 0x184D2A5?, 4-byte size, that many bytes. */
function skippableFrame(magicNibble: number, content: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32LE(0x184d2a50 + magicNibble, 0);
  header.writeUInt32LE(content.length, 4);
  return Buffer.concat([header, content]);
}

const text = Buffer.from('the quick brown fox jumps over the lazy dog\n'.repeat(8000));
/** Frames of every shape the splitter must walk: checksum or not, content size or not, raw, RLE and compressed blocks, empty. */
const frames = [
  zlib.zstdCompressSync(text, { params: { [ZSTD_c_checksumFlag]: 1 } }),
  zlib.zstdCompressSync(randomBytes(300_000), { params: { [ZSTD_c_contentSizeFlag]: 0 } }),
  zlib.zstdCompressSync(Buffer.alloc(500_000), { params: { [ZSTD_c_checksumFlag]: 1, [ZSTD_c_compressionLevel]: 1 } }),
  zlib.zstdCompressSync(Buffer.alloc(0)),
  zlib.zstdCompressSync(Buffer.from('x')),
];
const skippable = skippableFrame(0xf, Buffer.from('not zstd data at all'));
const [first, ...rest] = frames;
const stream = Buffer.concat([skippableFrame(0, Buffer.alloc(0)), first ?? Buffer.alloc(0), skippable, ...rest, skippable]);

/** Splits `input` fed in chunks of `size`; returns the frames as the pieces cut them. */
function splitInChunks(input: Buffer, size: number): { frames: Buffer[]; boundary: boolean } {
  const splitter = new ZstdFrameSplitter();
  const out: Buffer[] = [];
  let current: Buffer[] = [];
  for (let at = 0; at < input.length; at += size) {
    for (const piece of splitter.split(input.subarray(at, at + size))) {
      current.push(Buffer.from(piece.bytes));
      if (piece.endsFrame) {
        out.push(Buffer.concat(current));
        current = [];
      }
    }
  }
  if (current.length > 0) out.push(Buffer.concat(current));
  return { frames: out, boundary: splitter.atFrameBoundary };
}

test('frames are cut exactly where they end, whatever the input chunking, and skippable frames are dropped', (t) => {
  for (const size of [1, 2, 3, 5, 7, 4096, 65_536, stream.length]) {
    const got = splitInChunks(stream, size);
    t.is(got.frames.length, frames.length, `chunks of ${size} bytes`);
    got.frames.forEach((frame, i) => t.true(frame.equals(frames[i] ?? Buffer.alloc(0)), `frame ${i}, chunks of ${size} bytes`));
    t.true(got.boundary);
  }
});

test('each frame cut out decodes alone to its content', (t) => {
  const got = splitInChunks(stream, 1000).frames.map((frame) => zlib.zstdDecompressSync(frame));
  t.true(got[0]?.equals(text));
  t.is(got[2]?.length, 500_000);
  t.is(got[4]?.toString(), 'x');
});

test('a stream cut inside a frame is not at a frame boundary', (t) => {
  for (const cut of [1, 4, 5, 10, (frames[0]?.length ?? 0) - 1]) {
    t.false(splitInChunks(stream.subarray(8, 8 + cut), 3).boundary, `cut after ${cut} bytes`);
  }
  t.true(splitInChunks(Buffer.alloc(0), 1).boundary, 'an empty stream ends between frames');
});

test('bytes that are not a frame are refused with their offset', (t) => {
  const garbage = Buffer.concat([frames[0] ?? Buffer.alloc(0), Buffer.from('PK\x03\x04 a zip file')]);
  t.throws(() => splitInChunks(garbage, 100), {
    instanceOf: InvalidArgumentError,
    message: `zstd stream: no frame magic number at byte offset ${frames[0]?.length} (not zstd data, or garbage after the last frame)`,
  });
});

test('a reserved descriptor bit or block type is refused', (t) => {
  const frame = Buffer.from(frames[4] ?? Buffer.alloc(0));
  const reservedBit = Buffer.from(frame);
  reservedBit[4] = (reservedBit[4] ?? 0) | 0x08;
  t.throws(() => splitInChunks(reservedBit, 2), { instanceOf: InvalidArgumentError, message: /reserved bit/ });
  // A single-segment frame of 1 byte: magic, descriptor, 1-byte content size, then the block header.
  const reservedBlock = Buffer.from(frame);
  reservedBlock[6] = (reservedBlock[6] ?? 0) | 0x06;
  t.throws(() => splitInChunks(reservedBlock, 2), { instanceOf: InvalidArgumentError, message: /reserved type/ });
});
