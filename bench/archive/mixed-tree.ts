import { randomFillSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * A directory shaped like a root filesystem, for the archive bench: many small text-ish files
 * (sources, configs), some medium ones (libraries, data), a few large ones (a database, a model),
 * each size class half compressible word text and half random bytes, plus symlinks, a hardlink
 * and empty directories. Sizes come from a seeded generator, so the same total gives the same
 * layout every run; random contents differ, but random bytes compress the same whatever they are.
 */

export interface MixedTree {
  files: number;
  dirs: number;
  links: number;
  /** Bytes of file content. */
  bytes: number;
}

/** How the bytes split between the size classes; the rest goes to the large files. */
const SMALL_SHARE = 0.15;
const MEDIUM_SHARE = 0.35;
const SMALL_SIZES = { min: 256, max: 16 * 1024 };
const MEDIUM_SIZES = { min: 64 * 1024, max: 4 * 1024 * 1024 };
const LARGE_FILES = 4;
/** Small files per directory, as in a source tree or /usr/share. */
const SMALL_PER_DIR = 64;
const MEDIUM_PER_DIR = 16;
/** Text is cut from a pool bigger than zstd's window at level 1-3, so files do not compress against each other. */
const TEXT_POOL_BYTES = 8 * 1024 * 1024;
const WRITE_CHUNK = 1024 * 1024;

export function makeMixedTree(dir: string, totalBytes: number, seed = 0x9e3779b9): MixedTree {
  const random = xorshift(seed);
  const text = wordText(TEXT_POOL_BYTES, random);
  const tree: MixedTree = { files: 0, dirs: 0, links: 0, bytes: 0 };
  const mkdir = (name: string): string => {
    const at = path.join(dir, name);
    fs.mkdirSync(at, { recursive: true });
    tree.dirs++;
    return at;
  };
  const write = (at: string, size: number, compressible: boolean): void => {
    writeContent(at, size, compressible ? textSource(text, random) : randomSource());
    tree.files++;
    tree.bytes += size;
  };

  let smallLeft = Math.floor(totalBytes * SMALL_SHARE);
  for (let d = 0; smallLeft > 0; d++) {
    const folder = mkdir(`usr/share/small-${d.toString().padStart(4, '0')}`);
    for (let i = 0; i < SMALL_PER_DIR && smallLeft > 0; i++) {
      const size = Math.min(smallLeft, logUniform(random, SMALL_SIZES.min, SMALL_SIZES.max));
      // Nine in ten small files are text, as in a real tree of sources and configs.
      write(path.join(folder, `file-${i}.txt`), size, random() % 10 !== 0);
      smallLeft -= size;
    }
  }

  let mediumLeft = Math.floor(totalBytes * MEDIUM_SHARE);
  for (let d = 0; mediumLeft > 0; d++) {
    const folder = mkdir(`usr/lib/medium-${d.toString().padStart(3, '0')}`);
    for (let i = 0; i < MEDIUM_PER_DIR && mediumLeft > 0; i++) {
      const size = Math.min(mediumLeft, logUniform(random, MEDIUM_SIZES.min, MEDIUM_SIZES.max));
      write(path.join(folder, `lib-${i}.so`), size, i % 2 === 0);
      mediumLeft -= size;
    }
  }

  const largeFolder = mkdir('var/lib/large');
  const largeLeft = totalBytes - tree.bytes;
  for (let i = 0; i < LARGE_FILES; i++) {
    const size = Math.floor(largeLeft / LARGE_FILES) + (i === 0 ? largeLeft % LARGE_FILES : 0);
    write(path.join(largeFolder, `blob-${i}.bin`), size, i % 2 === 0);
  }

  mkdir('tmp');
  mkdir('var/empty');
  fs.symlinkSync('usr/share', path.join(dir, 'share'));
  fs.symlinkSync('../lib/medium-000/lib-0.so', path.join(dir, 'usr/share/lib-link'));
  fs.linkSync(path.join(dir, 'usr/lib/medium-000/lib-0.so'), path.join(dir, 'usr/lib/medium-000/lib-0.so.1'));
  tree.links += 3;
  return tree;
}

type Source = (into: Buffer) => void;

function writeContent(at: string, size: number, fill: Source): void {
  const fd = fs.openSync(at, 'w', 0o644);
  try {
    const chunk = Buffer.allocUnsafe(Math.min(size, WRITE_CHUNK));
    for (let left = size; left > 0; ) {
      const piece = chunk.subarray(0, Math.min(left, chunk.length));
      fill(piece);
      fs.writeSync(fd, piece);
      left -= piece.length;
    }
  } finally {
    fs.closeSync(fd);
  }
}

function randomSource(): Source {
  return (into) => randomFillSync(into);
}

/** Copies pieces of the pool from random places, so no two files are the same text. */
function textSource(pool: Buffer, random: () => number): Source {
  return (into) => {
    for (let done = 0; done < into.length; ) {
      const start = random() % (pool.length - 1);
      done += pool.copy(into, done, start, Math.min(pool.length, start + (into.length - done)));
    }
  };
}

/** Lines of words, like source or config text: zstd -1 gets it to about half its size. */
function wordText(bytes: number, random: () => number): Buffer {
  const words = Array.from({ length: 8192 }, (_, i) => (i * 2654435761).toString(36).slice(0, 2 + (i % 10)));
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  while (at < bytes) {
    const word = words[random() % words.length] ?? '';
    const separator = random() % 10 === 0 ? '\n' : ' ';
    at += out.write(`${word}${separator}`, at, 'latin1');
  }
  return out;
}

function logUniform(random: () => number, min: number, max: number): number {
  const u = random() / 0x1_0000_0000;
  return Math.round(min * Math.exp(u * Math.log(max / min)));
}

/** xorshift32: seeded, fast, good enough to pick sizes and offsets. */
function xorshift(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>>= 0);
  };
}
