import fs from 'node:fs';
import path from 'node:path';
import { BUILD_PREFIX } from './bundle-layout.ts';

/**
 * How long a replaced build is kept: a layerctl started from it loads its chunks lazily (a
 * detached container's monitor, a long build), so it must outlive any such process's start.
 */
const KEEP_REPLACED_MS = 60 * 60 * 1000;

/**
 * Removes builds other than `current` that were replaced more than an hour ago (a replaced
 * build's directory mtime is the time it was replaced: build-bundle.ts stamps it).
 */
export function pruneBuilds(distDir: string, current: string, now: number = Date.now()): void {
  for (const name of fs.readdirSync(distDir)) {
    if (!name.startsWith(BUILD_PREFIX) || name === current) continue;
    const dir = path.join(distDir, name);
    if (now - fs.statSync(dir).mtimeMs > KEEP_REPLACED_MS) fs.rmSync(dir, { recursive: true, force: true });
  }
}
