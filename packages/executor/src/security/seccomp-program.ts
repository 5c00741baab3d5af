import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { libseccompVersion } from '@layerctl/sys';
import type { Seccomp } from '../spec/runtime-spec.ts';
import { compileSeccomp } from './load-seccomp.ts';

/** A cached program starts with the sha256 of the program that follows, checked on every read. */
const DIGEST_BYTES = 32;
const PROGRAM_SUFFIX = '.bpf';

function sha256(data: string | Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

/**
 * The spec's filter as a BPF program, compiled once per filter and kept in `cacheDir`:
 * compiling Docker's profile through libseccomp and koffi takes tens of milliseconds, reading
 * the program back well under one. The file is named by the sha256 of the filter, the
 * architecture and the libseccomp version; a file whose content does not match the digest it
 * starts with (torn write, damage) is compiled again. Without cacheDir, it just compiles.
 */
export function seccompProgram(seccomp: Seccomp, cacheDir?: string): Buffer {
  if (cacheDir === undefined) return compileSeccomp(seccomp);
  const key = sha256(JSON.stringify([seccomp, process.arch, libseccompVersion()])).toString('hex');
  const file = path.join(cacheDir, `${key}${PROGRAM_SUFFIX}`);
  const cached = readCached(file);
  if (cached !== undefined) return cached;
  const program = compileSeccomp(seccomp);
  writeCached(cacheDir, file, program);
  return program;
}

function readCached(file: string): Buffer | undefined {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return undefined;
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
