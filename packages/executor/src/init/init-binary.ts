import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorCode, FailedPreconditionError } from '@layerctl/sys';

/** The init's C sources (native/init/*.c, *.h). */
export const INIT_SOURCES = fileURLToPath(new URL('../../native/init', import.meta.url));
/**
 * Where built inits are kept, one directory per hash of the sources: with the package, root-owned
 * like the code, not in a world-writable /tmp where another user could plant a binary for root.
 */
export const INIT_CACHE = fileURLToPath(new URL('../../node_modules/.cache/layerctl-init', import.meta.url));
const BINARY_NAME = 'layerctl-init';
/** Static: the init runs before and after pivot_root, where the host's shared libraries may be gone. */
const GCC_FLAGS = ['-O2', '-static', '-Wall', '-Wextra', '-Werror'];
const GCC = 'gcc';

const built = new Set<string>();

/**
 * The path of the container init's binary, built from native/init with gcc on first use (a fresh
 * clone or CI needs no separate step) and kept under `cacheDir/<hash of the sources and flags>/`.
 */
export function initBinary(cacheDir = INIT_CACHE, sourceDir = INIT_SOURCES): string {
  const sources = fs.readdirSync(sourceDir).filter((f) => f.endsWith('.c') || f.endsWith('.h')).sort();
  return staticBinary(sources.map((f) => path.join(sourceDir, f)), BINARY_NAME, cacheDir);
}

/**
 * A static binary built by gcc from `sources` (.c files compiled, .h files hashed) with our flags
 * and `extraFlags` (-D definitions, say), kept as `cacheDir/<hash>/<name>`. Built under a temporary name and renamed, so parallel processes racing
 * to build it each see a whole binary. A failed build is a FailedPreconditionError naming gcc and
 * its first error line.
 */
export function staticBinary(sources: readonly string[], name: string, cacheDir: string, extraFlags: readonly string[] = []): string {
  const flags = [...GCC_FLAGS, ...extraFlags];
  const hash = createHash('sha256').update(JSON.stringify(flags));
  for (const file of sources) hash.update(`\0${path.basename(file)}\0`).update(fs.readFileSync(file));
  const binary = path.join(cacheDir, hash.digest('hex').slice(0, 32), name);
  if (!built.has(binary) && !fs.existsSync(binary)) compile(sources.filter((f) => f.endsWith('.c')), binary, flags);
  built.add(binary);
  return binary;
}

function compile(sources: readonly string[], binary: string, flags: readonly string[]): void {
  const tmp = `${binary}.${process.pid}.${Date.now()}.tmp`;
  try {
    fs.mkdirSync(path.dirname(binary), { recursive: true, mode: 0o755 });
    execFileSync(GCC, [...flags, '-o', tmp, ...sources], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    fs.renameSync(tmp, binary);
  } catch (error) {
    throw new FailedPreconditionError(`building ${path.basename(binary)} with ${GCC} failed: ${firstErrorLine(error)}`, { cause: error });
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function firstErrorLine(error: unknown): string {
  if (error instanceof Error && 'stderr' in error && typeof error.stderr === 'string') {
    const line = error.stderr.split('\n').find((l) => /error/i.test(l)) ?? error.stderr.split('\n').find((l) => l.trim() !== '');
    if (line !== undefined) return line.trim();
  }
  if (errorCode(error) === 'ENOENT') return `${GCC} is not installed (apt-get install gcc libc6-dev)`;
  return error instanceof Error ? error.message : String(error);
}
