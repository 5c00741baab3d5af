import fs from 'node:fs';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { readTar, unmountAll, type TarHeader } from '@layerctl/snapshotter';
import { mountPoints, scratchDir } from '@layerctl/sys/testing';
import { Overlay2Driver } from './driver.ts';

/**
 * Test support (no production code imports this): an initialised driver on a fresh root under
 * /dev/shm, whose mounts are all taken off and whose root is removed when the test ends, pass
 * or fail.
 */
export async function scratchDriver(t: ExecutionContext): Promise<{ driver: Overlay2Driver; root: string }> {
  const root = scratchDir(t);
  // Registered after scratchDir's teardown, so it runs before it (ava runs teardowns last-first).
  t.teardown(() => {
    for (const point of mountPoints().filter((m) => m.startsWith(`${root}/`)).reverse()) unmountAll(point);
  });
  const driver = new Overlay2Driver({ root, tmpDir: path.join(root, 'tmp') });
  await driver.init();
  return { driver, root };
}

/** The path of a layer's diff dir, where tests put a layer's files without mounting it. */
export function diffDir(root: string, id: string): string {
  return path.join(root, 'overlay2', id, 'diff');
}

/** Writable layers, each the parent of the next. */
export async function createChain(driver: Overlay2Driver, ...ids: string[]): Promise<void> {
  let parent: string | undefined;
  for (const id of ids) {
    await driver.create(id, parent, { readonly: false });
    parent = id;
  }
}

/** A layer's short name, as its link file says. */
export function shortName(root: string, id: string): string {
  return fs.readFileSync(path.join(root, 'overlay2', id, 'link'), 'utf8');
}

/** Each entry under `dir` as one line of what a tree comparison needs (type, mode, content or device, opaque xattr). */
export function treeLines(dir: string, prefix = ''): string[] {
  const lines: string[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    const rel = prefix === '' ? name : `${prefix}/${name}`;
    const st = fs.lstatSync(full);
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isDirectory()) {
      lines.push(`${rel} dir ${mode}`);
      lines.push(...treeLines(full, rel));
    } else if (st.isFile()) lines.push(`${rel} file ${mode} ${fs.readFileSync(full, 'utf8')}`);
    else if (st.isSymbolicLink()) lines.push(`${rel} symlink ${fs.readlinkSync(full)}`);
    else lines.push(`${rel} other ${mode} rdev=${st.rdev}`);
  }
  return lines;
}

/** The headers of a tar stream, in order (test sizes only: the entries' content is read and dropped). */
export async function headersOf(tar: AsyncIterable<Buffer>): Promise<TarHeader[]> {
  const headers: TarHeader[] = [];
  for await (const { header, body } of readTar(tar)) {
    headers.push(header);
    for await (const _chunk of body);
  }
  return headers;
}
