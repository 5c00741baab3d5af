import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { libseccompVersion } from '@layerctl/sys';
import type { Seccomp } from '../spec/runtime-spec.ts';
import { compileSeccomp } from './compile-seccomp.ts';

/** A cached program starts with the sha256 of the program that follows, checked on every read. */
const DIGEST_BYTES = 32;
const PROGRAM_SUFFIX = '.bpf';
/**
 * Why a cache file cannot be read or written (read-only or full filesystem, permissions): the
 * cache is only a shortcut, so the program is compiled (or not kept) and the container starts.
 */
const CACHE_UNAVAILABLE = new Set(['ENOENT', 'EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'ENOTDIR']);

function cacheUnavailable(error: unknown): boolean {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' && CACHE_UNAVAILABLE.has(error.code);
}

function sha256(data: string | Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

/**
 * The spec's filter as a BPF program, compiled once per filter and kept in `cacheDir`:
 * compiling Docker's profile through libseccomp and koffi takes tens of milliseconds, reading
 * the program back well under one. The file is named by the sha256 of the filter, the
 * architecture and the libseccomp version; a file whose content does not match the digest it
 * starts with (torn write, damage) is compiled again, and a cache that cannot be read or written
 * is passed by. Without cacheDir, it just compiles.
 */
export function seccompProgram(seccomp: Seccomp, cacheDir?: string): Buffer {
  if (cacheDir === undefined) return compileSeccomp(seccomp);
  const key = sha256(JSON.stringify([seccomp, process.arch, libseccompVersion()])).toString('hex');
  const file = path.join(cacheDir, `${key}${PROGRAM_SUFFIX}`);
  const cached = readCached(file);
  if (cached !== undefined) return cached;
  const program = compileSeccomp(seccomp);
  try {
    writeCached(cacheDir, file, program);
  } catch (error) {
    if (!cacheUnavailable(error)) throw error;
  }
  return program;
}

function readCached(file: string): Buffer | undefined {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (error) {
    if (cacheUnavailable(error)) return undefined;
    throw error;
  }
  const program = data.subarray(DIGEST_BYTES);
  return data.length > DIGEST_BYTES && sha256(program).equals(data.subarray(0, DIGEST_BYTES)) ? program : undefined;
}

/** Temporary file and rename, so a reader sees the whole file or none. */
function writeCached(cacheDir: string, file: string, program: Buffer): void {
  fs.mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, Buffer.concat([sha256(program), program]), { mode: 0o600 });
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}
