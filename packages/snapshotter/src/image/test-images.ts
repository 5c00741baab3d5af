import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream';
import { pipeline as pipelinePromise } from 'node:stream/promises';
import type { ExecutionContext } from 'ava';
import { NotFoundError } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { compressStream, type Compression } from '../archive/compression.ts';
import { packTree } from '../archive/pack-tree.ts';
import { readTar, tarHeader, writeTar } from '../archive/tar/index.ts';
import { collect } from '../testing/byte-streams.ts';
import { openRoot, type Root } from '../root.ts';
import { importRootfs, type ImportOptions } from './import-rootfs.ts';
import type { ImageSummary } from './list-images.ts';

/** Test helpers: a root on tmpfs, a small root filesystem tree, and images imported from it. */

export interface Scratch {
  root: Root;
  /** A folder beside the root for trees and archives. */
  work: string;
}

/** A fresh root and work folder on tmpfs, closed and removed when the test ends. */
export function scratchRoot(t: ExecutionContext): Scratch {
  const dir = scratchDir(t);
  const root = openRoot(path.join(dir, 'root'));
  t.teardown(() => root.close());
  const work = path.join(dir, 'work');
  fs.mkdirSync(work);
  return { root, work };
}

/** A small tree of a few kinds of entries; `seed` changes file contents so that images differ. */
export function makeTree(dir: string, seed: string): string {
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'etc'));
  fs.writeFileSync(path.join(dir, 'etc', 'hostname'), `${seed}\n`);
  fs.writeFileSync(path.join(dir, 'bin', 'tool'), Buffer.alloc(100_000, seed), { mode: 0o755 });
  fs.symlinkSync('tool', path.join(dir, 'bin', 'alias'));
  return dir;
}

/** The tree as a tar stream, compressed as asked. */
export function treeTar(dir: string, compression: Compression = 'none'): AsyncIterable<Buffer> {
  const compressor = compressStream(compression);
  return pipeline(packTree(dir), compressor, () => {});
}

/** Imports a freshly made tree as `name`. */
export async function importTestImage(scratch: Scratch, name: string, seed = name, opts: ImportOptions & { input?: Compression } = {}): Promise<ImageSummary> {
  const dir = makeTree(fs.mkdtempSync(path.join(scratch.work, 'tree-')), seed);
  return importRootfs(scratch.root, treeTar(dir, opts.input), name, { created: new Date('2024-05-01T12:00:00Z'), ...opts });
}

/** Every file of a (small, test-made) archive, by path; symlinks as "-> target". */
export async function readArchiveFiles(file: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for await (const { header, body } of readTar(fs.createReadStream(file))) {
    if (header.type === 'file') files.set(header.name, await collect(body));
  }
  return files;
}

/** Writes files (and symlinks, given as [path, { link }]) as a plain tar archive. */
export async function writeArchiveFiles(file: string, files: Iterable<[string, Buffer | { link: string }]>): Promise<void> {
  const entries = [...files].map(([name, content]) =>
    Buffer.isBuffer(content)
      ? { header: tarHeader({ name, type: 'file', mode: 0o644, size: content.length }), body: content }
      : { header: tarHeader({ name, type: 'symlink', mode: 0o777, linkname: content.link }) },
  );
  await pipelinePromise(writeTar(entries), fs.createWriteStream(file));
}

/** A JSON file of an archive, parsed, for tests that look inside or tamper. */
export function jsonOf(files: Map<string, Buffer>, name: string): unknown {
  const bytes = files.get(name);
  if (bytes === undefined) throw new NotFoundError(`test archive: ${name} is missing`);
  return JSON.parse(bytes.toString('utf8'));
}
