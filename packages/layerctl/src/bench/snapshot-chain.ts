import fs from 'node:fs';
import path from 'node:path';
import { mountAll, unmountAll } from '@layerctl/snapshotter';
import { removeUnmounted } from './loop-filesystem.ts';
import { checkpoint } from './measure.ts';
import type { WorkloadContext } from './workload.ts';

/**
 * A chain of committed snapshots made through the Snapshotter, for the workloads that read
 * through a union: `fill` writes each layer (level 0 is the base) in its mounted tree. The
 * chain, its mount point and everything in it go again in `dispose`, children first.
 */
export interface SnapshotChain {
  /** The committed snapshots, base first. */
  names: string[];
  /** An empty dir in the root's tmp for the workload to mount on. */
  target: string;
  dispose(): Promise<void>;
}

export async function snapshotChain(context: WorkloadContext, prefix: string, depth: number, fill: (dir: string, level: number) => void): Promise<SnapshotChain> {
  const { snapshotter } = context;
  const target = path.join(context.tmpDir, `${prefix}-mnt`);
  fs.mkdirSync(target, { recursive: true });
  const names: string[] = [];
  const dispose = async (): Promise<void> => {
    for (const name of [...names].reverse()) await snapshotter.remove(name);
    removeUnmounted(target);
  };
  try {
    for (let level = 0; level < depth; level++) {
      await checkpoint(context.signal);
      const key = `${prefix}-${level}-active`;
      mountAll(await snapshotter.prepare(key, names.at(-1)), target);
      try {
        fill(target, level);
      } finally {
        unmountAll(target);
      }
      await snapshotter.commit(`${prefix}-${level}`, key);
      names.push(`${prefix}-${level}`);
    }
  } catch (error) {
    await dispose();
    throw error;
  }
  return { names, target, dispose };
}

/** Writes `bytes` of `fill`-valued data to `file` a chunk at a time. */
export function writeLargeFile(file: string, bytes: number): void {
  const chunk = Buffer.alloc(Math.min(bytes, 1024 * 1024), 0x5a);
  const fd = fs.openSync(file, 'w');
  try {
    for (let written = 0; written < bytes; written += chunk.length) fs.writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - written));
  } finally {
    fs.closeSync(fd);
  }
}
