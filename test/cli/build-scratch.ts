import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { openCgroup } from '@layerctl/executor';
import { ImageStore, decompressAuto, openRoot, readImage, readTar } from '@layerctl/snapshotter';
import { CHECKOUT, type RunOptions } from './run-layerctl.ts';
import { must, snapshotScratch } from './snapshot-scratch.ts';

/** One JSON progress event, as `build --progress json` prints it on stderr. */
export interface EventLine {
  type: string;
  step?: number;
  name?: string;
  line?: string;
  diffId?: string;
  imageId?: string;
}

/**
 * A scratch root with busybox imported as `busybox`, and `build` that runs `layerctl build` with
 * JSON progress and its RUN steps below this test's own cgroup parent. When the test ends, pass
 * or fail, the cgroup parent is emptied and removed and (snapshotScratch) mounts come off.
 */
export async function buildScratch(t: ExecutionContext, busyboxTar: string) {
  const scratch = snapshotScratch(t);
  const cgroupParent = `layerctl-test-${crypto.randomBytes(6).toString('hex')}`;
  t.teardown(() => {
    const cgroup = openCgroup(cgroupParent);
    if (cgroup === undefined) return;
    cgroup.killAll('SIGKILL');
    cgroup.remove();
  });
  await must(t, scratch.layerctl, ['import', busyboxTar, 'busybox']);
  const build = async (args: readonly string[], options?: RunOptions) => {
    const result = await scratch.layerctl(['build', '--progress', 'json', '--cgroup-parent', cgroupParent, ...args], options);
    return { ...result, events: parseEvents(result.stderr), imageId: result.stdout.trim() };
  };
  /** A copy of fixtures/dockerfiles/<name> in the scratch dir, to edit freely. */
  const fixture = (name: string): string => {
    const dir = path.join(scratch.dir, 'contexts', name);
    fs.cpSync(path.join(CHECKOUT, 'fixtures/dockerfiles', name), dir, { recursive: true });
    return dir;
  };
  /** A context made of the given files (relative path → content). */
  const context = (name: string, files: Record<string, string>): string => {
    const dir = path.join(scratch.dir, 'contexts', name);
    for (const [file, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), content);
    }
    return dir;
  };
  /** The image config as stored (every field, not only those inspect shows). */
  const config = (imageId: string): Record<string, unknown> => {
    const file = path.join(scratch.root, 'content/blobs/sha256', imageId.replace(/^sha256:/, ''));
    const value: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`config ${imageId} is not an object`);
    return Object.fromEntries(Object.entries(value));
  };
  /** A file of the image as its layers have it (the topmost layer holding it wins), read from the store. */
  const imageFile = async (imageRef: string, file: string): Promise<ImageFile | undefined> => {
    const root = openRoot(scratch.root);
    try {
      const image = await readImage(root.content, new ImageStore(root.metadata).resolve(imageRef).record.manifestDigest);
      for (const layer of [...image.layers].reverse()) {
        for await (const { header, body } of readTar(decompressAuto(root.content.read(layer.descriptor.digest)))) {
          if (header.name !== file.replace(/^\//, '')) continue;
          let content = '';
          for await (const chunk of body) content += chunk.toString('utf8');
          return { content, size: header.size, mode: header.mode, uid: header.uid, gid: header.gid };
        }
      }
      return undefined;
    } finally {
      root.close();
    }
  };
  return { ...scratch, cgroupParent, build, fixture, context, config, imageFile };
}

export interface ImageFile {
  /** The content as UTF-8 text (for text files). */
  content: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
}

/** The JSON lines of a build's stderr (the error line at the end, if any, is not JSON and is skipped). */
export function parseEvents(stderr: string): EventLine[] {
  const events: EventLine[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    const value: unknown = JSON.parse(line);
    if (typeof value === 'object' && value !== null && 'type' in value && typeof value.type === 'string') events.push({ ...value, type: value.type });
  }
  return events;
}

/** The step names that hit the cache, and those that ran, in event order. */
export function cachedAndRun(events: readonly EventLine[]): { cached: string[]; run: string[] } {
  return {
    cached: events.filter((e) => e.type === 'step-cached').map((e) => e.name ?? ''),
    run: events.filter((e) => e.type === 'step-started').map((e) => e.name ?? ''),
  };
}

/** The DiffIDs of the layers the build wrote, in order. */
export function writtenDiffIds(events: readonly EventLine[]): string[] {
  return events.filter((e) => e.type === 'layer-written').map((e) => e.diffId ?? '');
}
