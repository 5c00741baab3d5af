import fs from 'node:fs';
import path from 'node:path';
import type { Driver } from '@layerctl/snapshotter';

/**
 * Layers made straight through the Driver contract (as moby's graphdriver benchmarks do, below
 * any snapshotter): create, mount, write, unmount. Each workload names its layers with its own
 * prefix and removes them, children first, when it is done.
 */

/** Bytes of each small file the graphdriver workloads write (moby's addFiles writes small files too). */
export const SMALL_FILE_BYTES = 1024;
/** Files per directory, so that 10,000 files do not all sit in one directory. */
const FILES_PER_DIR = 100;

/** Creates `id` on `parent` and lets `fill` write into its mounted tree. */
export async function makeLayer(driver: Driver, id: string, parent: string | undefined, fill: (dir: string) => void): Promise<void> {
  await driver.create(id, parent, { readonly: false });
  const dir = await driver.mount(id);
  try {
    fill(dir);
  } finally {
    await driver.unmount(id);
  }
}

/** `count` small files under `dir`/`prefix`, a hundred to a directory. */
export function writeFiles(dir: string, prefix: string, count: number, bytes = SMALL_FILE_BYTES): void {
  const content = Buffer.alloc(bytes, prefix.length % 256);
  for (let i = 0; i < count; i++) {
    const sub = path.join(dir, prefix, `d${Math.floor(i / FILES_PER_DIR)}`);
    if (i % FILES_PER_DIR === 0) fs.mkdirSync(sub, { recursive: true });
    fs.writeFileSync(path.join(sub, `f${i}`), content);
  }
}

/** A chain of layers, each created on the one before; returns their ids, base first. */
export async function makeChain(driver: Driver, prefix: string, depth: number, fill: (dir: string, level: number) => void): Promise<string[]> {
  const ids: string[] = [];
  for (let level = 0; level < depth; level++) {
    const id = `${prefix}-${level}`;
    await makeLayer(driver, id, ids.at(-1), (dir) => fill(dir, level));
    ids.push(id);
  }
  return ids;
}

/** Removes layers, the last of the list (the children) first. */
export async function removeLayers(driver: Driver, ids: readonly string[]): Promise<void> {
  for (const id of [...ids].reverse()) await driver.remove(id);
}

/** Reads a stream to its end, keeping only the count of its bytes. */
export async function drain(stream: AsyncIterable<Buffer>): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream) bytes += chunk.length;
  return bytes;
}
