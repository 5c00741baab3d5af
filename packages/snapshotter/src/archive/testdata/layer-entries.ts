import type { Readable } from 'node:stream';
import { readTar, writeTar, type TarInput } from '../tar/index.ts';
import { tarHeader, type TarHeader } from '../tar/tar-header.ts';
import { OPAQUE_MARKER, WHITEOUT_PREFIX } from '../whiteout.ts';

/**
 * Short constructors for the entries of hand-written test layers. Owners default to root,
 * modes to the usual 0644/0755, times to a fixed instant, so a test states only what it checks.
 */

type Extra = Partial<Omit<TarHeader, 'name' | 'type'>>;

/** 2021-01-01T00:00:00.5Z: a fixed time with nanoseconds. */
export const FIXED_MTIME_NS = 1_609_459_200_500_000_000n;

export function fileEntry(name: string, content: string | Buffer = '', extra: Extra = {}): TarInput {
  const body = Buffer.from(content);
  return { header: tarHeader({ name, type: 'file', mode: 0o644, mtimeNs: FIXED_MTIME_NS, ...extra, size: body.length }), body };
}

export function dirEntry(name: string, extra: Extra = {}): TarInput {
  return { header: tarHeader({ name, type: 'directory', mode: 0o755, mtimeNs: FIXED_MTIME_NS, ...extra }) };
}

export function symlinkEntry(name: string, target: string, extra: Extra = {}): TarInput {
  return { header: tarHeader({ name, type: 'symlink', mode: 0o777, linkname: target, mtimeNs: FIXED_MTIME_NS, ...extra }) };
}

export function hardlinkEntry(name: string, target: string, extra: Extra = {}): TarInput {
  return { header: tarHeader({ name, type: 'hardlink', mode: 0o644, linkname: target, mtimeNs: FIXED_MTIME_NS, ...extra }) };
}

/** The whiteout of `name`: `dir/.wh.base`. */
export function whiteoutEntry(name: string): TarInput {
  const slash = name.lastIndexOf('/');
  return fileEntry(`${name.slice(0, slash + 1)}${WHITEOUT_PREFIX}${name.slice(slash + 1)}`);
}

/** The opaque marker of directory `dir`. */
export function opaqueEntry(dir: string): TarInput {
  return fileEntry(`${dir}/${OPAQUE_MARKER}`);
}

/** A layer tar of these entries, as a stream. */
export function layerTar(...entries: TarInput[]): Readable {
  return writeTar(entries);
}

/** The headers of a (small) tar, bodies skipped. */
export async function tarHeaders(tar: AsyncIterable<Buffer>): Promise<TarHeader[]> {
  const out: TarHeader[] = [];
  for await (const { header } of readTar(tar)) out.push(header);
  return out;
}
