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
export async function scratchDriver(t: ExecutionContext, options: Record<string, string> = {}): Promise<{ driver: Overlay2Driver; root: string }> {
  const root = scratchDir(t);
  // Registered after scratchDir's teardown, so it runs before it (ava runs teardowns last-first).
  t.teardown(() => {
    for (const point of mountPoints().filter((m) => m.startsWith(`${root}/`)).reverse()) unmountAll(point);
  });
  const driver = new Overlay2Driver({ root, tmpDir: path.join(root, 'tmp'), options });
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

/**
 * base (files gone, kept, dir/hidden) ← child, in which `gone` was deleted, `dir` removed and made
 * again with `dir/new`, `kept` rewritten and `added` and a symlink `link` made, through its mount.
 */
export async function makeChangedChild(driver: Overlay2Driver, root: string): Promise<void> {
  await driver.create('base', undefined, { readonly: false });
  const base = diffDir(root, 'base');
  fs.mkdirSync(path.join(base, 'dir'));
  fs.writeFileSync(path.join(base, 'dir', 'hidden'), 'hidden');
  fs.writeFileSync(path.join(base, 'gone'), 'gone');
  fs.writeFileSync(path.join(base, 'kept'), 'kept');
  await driver.create('child', 'base', { readonly: false });
  const merged = await driver.mount('child');
  try {
    fs.rmSync(path.join(merged, 'gone'));
    fs.rmSync(path.join(merged, 'dir'), { recursive: true });
    fs.mkdirSync(path.join(merged, 'dir'), { mode: 0o750 });
    fs.writeFileSync(path.join(merged, 'dir', 'new'), 'new');
    fs.writeFileSync(path.join(merged, 'kept'), 'rewritten');
    fs.writeFileSync(path.join(merged, 'added'), 'added');
    fs.symlinkSync('kept', path.join(merged, 'link'));
  } finally {
    await driver.unmount('child');
  }
}

/** The merged tree of a layer as treeLines gives it, mounted only while it is read. */
export async function mergedTree(driver: Overlay2Driver, id: string): Promise<string[]> {
  const merged = await driver.mount(id);
  try {
    return treeLines(merged);
  } finally {
    await driver.unmount(id);
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
