import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import { LayerctlError } from '@layerctl/sys';
import {
  type Compression,
  type ImageDetails,
  importRootfs,
  inspectImage,
  type ImageManifest,
  type ImageIndex,
  openRoot,
  packTree,
  type Root,
  validateImageIndex,
  validateManifest,
} from '@layerctl/snapshotter';
import { runScript, runTool, toolPath } from './external-tool.ts';
import { makeInteropTree } from './interop-tree.ts';

/** The names the interop images go by; one tag, so OCI layouts name them by it. */
export const TAG = 'v1';
export const TREE_REF = `interop/tree:${TAG}`;
export const BUSYBOX_REF = `interop/busybox:${TAG}`;

const BUSYBOX_SCRIPT = fileURLToPath(new URL('../../fixtures/busybox/make-rootfs.sh', import.meta.url));

/** A fresh directory on tmpfs for one test, removed when the test ends, pass or fail. */
export function scratchDir(t: ExecutionContext): string {
  const dir = fs.mkdtempSync('/dev/shm/layerctl-test-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A layerctl root inside the scratch dir, closed when the test ends. */
export function openTestRoot(t: ExecutionContext, dir: string): Root {
  const root = openRoot(dir);
  t.teardown(() => root.close());
  return root;
}

/** A test's scratch dir and a root in it, holding the interop tree (interop-tree.ts) as the one-layer image TREE_REF. */
export interface TreeImageScene {
  scratch: string;
  root: Root;
  /** The tree the image was made from. */
  tree: string;
  image: ImageDetails;
}

export async function treeImageScene(t: ExecutionContext): Promise<TreeImageScene> {
  const scratch = scratchDir(t);
  const root = openTestRoot(t, path.join(scratch, 'root'));
  const tree = path.join(scratch, 'tree');
  fs.mkdirSync(tree);
  makeInteropTree(tree);
  // What `layerctl import` makes of a rootfs tar, with our own pack of the tree as the tar.
  await importRootfs(root, packTree(tree), TREE_REF);
  return { scratch, root, tree, image: await inspectImage(root, TREE_REF) };
}

/** Builds the busybox base rootfs tar (fixtures/busybox) into `dir`; returns its path. */
export async function busyboxTar(dir: string): Promise<string> {
  const out = path.join(dir, 'busybox-rootfs.tar');
  await runScript(BUSYBOX_SCRIPT, [out]);
  return out;
}

/** An OCI image layout as it lies on disk after untarring an archive, with its first image. */
export interface UnpackedLayout {
  dir: string;
  index: ImageIndex;
  /** The first image's manifest and its digest. */
  manifestDigest: string;
  manifest: ImageManifest;
  blobPath(digest: string): string;
}

/** Untars an archive with GNU tar and reads its index.json and first manifest. */
export async function untarLayout(archive: string, dir: string): Promise<UnpackedLayout> {
  fs.mkdirSync(dir, { recursive: true });
  await runTool('tar', ['-xf', archive, '-C', dir]);
  const blobPath = (digest: string): string => path.join(dir, 'blobs', ...digest.split(':'));
  const index = validateImageIndex(readJson(path.join(dir, 'index.json')), `${archive}: index.json`);
  const first = index.manifests[0];
  if (first === undefined) throw new LayerctlError(`${archive}: index.json lists no manifest`);
  const manifest = validateManifest(readJson(blobPath(first.digest)), `${archive}: manifest ${first.digest}`);
  return { dir, index, manifestDigest: first.digest, manifest, blobPath };
}

/** Parses JSON another tool printed or wrote; the test checks its shape field by field. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new LayerctlError(`${what}: not JSON: ${text.slice(0, 200)}`, { cause: error });
  }
}

function readJson(file: string): unknown {
  return parseJson(fs.readFileSync(file, 'utf8'), file);
}

/** sha256 of a small document (a manifest or config another tool printed). */
export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** sha256 of a file, streamed: blobs are never read whole. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk);
  return `sha256:${hash.digest('hex')}`;
}

/** Decompressors that are not ours, so a DiffID check does not trust the code under test. */
const DECOMPRESSORS = { zstd: ['zstd', '-dc'], gzip: ['gzip', '-dc'], none: ['cat'] } as const satisfies Record<Compression, readonly string[]>;

/** sha256 of a blob's uncompressed bytes (its DiffID, for a layer), decompressed by zstd(1) or gzip(1). */
export async function uncompressedDigest(file: string, compression: Compression): Promise<string> {
  const [command, ...args] = DECOMPRESSORS[compression];
  if (command !== 'cat') toolPath(command);
  const child = spawn(command, [...args, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const hash = createHash('sha256');
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  for await (const chunk of child.stdout) hash.update(chunk);
  const status = await exited;
  if (status !== 0) throw new LayerctlError(`${command} ${args.join(' ')} ${file}: exit status ${status}: ${stderr.trim()}`);
  return `sha256:${hash.digest('hex')}`;
}
