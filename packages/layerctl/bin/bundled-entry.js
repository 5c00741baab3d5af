// Picks the bundle of the CLI that bin/layerctl.js runs, or builds one. Plain JavaScript: it runs
// on every command, before anything would load Node's TypeScript stripper. The layout is
// src/bundle/bundle-layout.ts's; a bundle is fresh while no file it was made from changed since.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const DIST_DIR = fileURLToPath(new URL('../dist/', import.meta.url));
const CURRENT_FILE = path.join(DIST_DIR, 'current.json');
const ENTRY_FILE = 'main.js';
/** Set to 1 to run the TypeScript sources directly (Node strips the types), bundle or not. */
const FROM_SOURCE_VARIABLE = 'LAYERCTL_FROM_SOURCE';

/**
 * The URL of a fresh bundle's main.js, built now if there is none; undefined when the sources
 * must run as they are: asked for, or no bundle can be made here (a read-only checkout, no
 * esbuild). Running from source is the same program, only slower to start.
 */
export async function bundledEntry() {
  if (process.env[FROM_SOURCE_VARIABLE] === '1') return undefined;
  const record = readRecord();
  if (record !== undefined && isFresh(record, DIST_DIR)) return pathToFileURL(path.join(DIST_DIR, record.build, ENTRY_FILE)).href;
  try {
    const { buildBundle } = await import('../src/bundle/build-bundle.ts');
    return pathToFileURL(await buildBundle()).href;
  } catch (error) {
    if (process.argv.includes('--debug')) process.stderr.write(`layerctl: running from source, no bundle: ${String(error)}\n`);
    return undefined;
  }
}

function readRecord() {
  try {
    const record = JSON.parse(fs.readFileSync(CURRENT_FILE, 'utf8'));
    const valid = typeof record?.build === 'string' && typeof record.startedAt === 'number' && Array.isArray(record.inputs);
    return valid ? record : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `entry` (a URL bundledEntry gave) is still the bundle a new command would run: it is the
 * current build and none of its inputs changed since. A daemon's worker asks before each command.
 */
export function isCurrentBundle(entry) {
  const record = readRecord();
  return record !== undefined && entry === pathToFileURL(path.join(DIST_DIR, record.build, ENTRY_FILE)).href && isFresh(record, DIST_DIR);
}

/** True while every input is still there and none changed after the build began reading them. */
export function isFresh(record, distDir) {
  for (const input of record.inputs) {
    const stat = fs.statSync(input, { throwIfNoEntry: false });
    if (stat === undefined || stat.mtimeMs >= record.startedAt) return false;
  }
  return fs.existsSync(path.join(distDir, record.build, ENTRY_FILE));
}
