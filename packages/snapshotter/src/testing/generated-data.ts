import { randomFillSync } from 'node:crypto';

const MiB = 1024 * 1024;

/**
 * `totalBytes` of layer-like data without holding it: 1 MiB pieces that alternate between
 * word text (compresses about 3:1) and random bytes (does not compress), in 64 KiB chunks.
 */
export async function* mixedData(totalBytes: number, chunkBytes = 64 * 1024): AsyncGenerator<Buffer> {
  const text = wordText(MiB);
  for (let offset = 0; offset < totalBytes; offset += chunkBytes) {
    const length = Math.min(chunkBytes, totalBytes - offset);
    const inTextPiece = Math.floor(offset / MiB) % 2 === 0;
    yield inTextPiece ? Buffer.from(text.subarray(offset % MiB, (offset % MiB) + length)) : randomFillSync(Buffer.alloc(length));
  }
}

function wordText(bytes: number): Buffer {
  const words = Array.from({ length: 4096 }, (_, i) => (i * 2654435761).toString(36).slice(0, 3 + (i % 9)));
  let state = 0x2545f491;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  const parts: string[] = [];
  let length = 0;
  while (length < bytes) {
    const word = `${words[next() % words.length] ?? ''}${next() % 12 === 0 ? '\n' : ' '}`;
    parts.push(word);
    length += word.length;
  }
  return Buffer.from(parts.join('').slice(0, bytes));
}
