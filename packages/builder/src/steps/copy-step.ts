import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, O_DIRECTORY, O_PATH, SysError, openInRoot } from '@layerctl/sys';
import { ImageStore, chainIds, readImage, unpackImage, type Digest } from '@layerctl/snapshotter';
import type { BuildShared } from '../build/stage-builder.ts';
import { isCommitted } from '../build/is-committed.ts';
import type { CopyInstruction } from '../dockerfile/instructions.ts';
import { expandHeredoc, type Lookup } from '../dockerfile/expand.ts';
import type { BuildContainerConfig } from '../image-config/build-config.ts';
import { buildSnapshotLabels, withMounted } from './layer-step.ts';
import type { Expander } from './config-step.ts';
import { copyEntries, makeDirectoryInRoot, type CopyEntry, type CopyOwnership } from './copy-files.ts';
import { addArchive, isLocalArchive } from './add-archive.ts';
import { resolveOwnership } from './copy-ownership.ts';
import { checksumSources } from '../context/checksum-sources.ts';
import { copyTargets, destinationPath, type CopySource } from '../context/copy-targets.ts';
import { selectSources, type SelectedSource } from '../context/select-sources.ts';
import { walkSource } from '../context/walk-source.ts';
import { PatternMatcher } from '../dockerignore/pattern-matcher.ts';
import type { StepPlan } from './run-step.ts';

export type CopyPlan = StepPlan;

export interface CopyContext {
  expander: Expander;
  /** The ARG and ENV values in scope, for heredoc bodies. */
  lookup: Lookup;
  config: BuildContainerConfig;
  args: ReadonlyMap<string, string>;
  contextDir: string;
  stageIndex: number;
  shared: BuildShared;
}

/**
 * COPY and ADD. Sources come from the context (with .dockerignore applied), from an earlier
 * stage or an image (--from), or from heredocs. Docker's destination rules (copyTargets): a
 * destination ending in '/' or an existing directory in the image is a directory the files go
 * into, several sources need one, and a directory source copies its contents, not itself. A
 * relative destination is taken from WORKDIR. ADD also unpacks local tar archives (plain, gzip,
 * zstd) into the destination directory; a URL source is refused with a clear error.
 *
 * The cache key covers the sources' content checksum (type, mode, owner, size, link target,
 * xattrs, content; mtime excluded), or for --from the ChainID of what is read, which names its content.
 */
export async function planCopy(instruction: CopyInstruction, context: CopyContext): Promise<CopyPlan> {
  const { expander } = context;
  const sourceWords = instruction.sources.map((word) => expander.word(word));
  const destinationWord = expander.word(instruction.destination);
  const workdir = context.config.WorkingDir || '/';
  const destination = destinationPath(destinationWord, workdir);
  const chown = instruction.chown === undefined ? undefined : expander.word(instruction.chown);
  const chmod = instruction.chmod === undefined ? undefined : parseChmod(expander.word(instruction.chmod));
  const heredocs = instruction.heredocs.map((doc) => ({
    name: doc.name,
    content: doc.expand ? expandHeredoc(doc.content, context.lookup) : doc.content,
  }));
  const from = instruction.from === undefined ? undefined : await copySource(context, expander.word(instruction.from));
  const ignore = from === undefined ? await context.shared.contextIgnore() : new PatternMatcher([]);
  const selected = from === undefined ? await selectSources(context.contextDir, sourceWords, ignore) : [];
  const checksum = from === undefined ? await checksumSources(selected, ignore, context.shared.contextSums) : undefined;
  const canonical = [instruction.kind, sourceWords, destinationWord, workdir, chown ?? null, chmod ?? null];
  return {
    keyParts: { instruction: canonical, args: Object.fromEntries(context.args), sources: JSON.stringify([from?.chainId ?? null, checksum ?? null, heredocs]) },
    createdBy: `${instruction.kind} ${[...sourceWords, ...heredocs.map((doc) => `<<${doc.name}`)].join(' ')} ${destination}`,
    execute: async (rootfs) => {
      const ownership: CopyOwnership = { ...(await resolveOwnership(rootfs, chown)), mode: chmod };
      const existingDirectory = isDirectoryInRoot(rootfs, destination);
      const targetsOf = (sources: readonly CopySource[]): string[] => copyTargets(sources, destinationWord, { workdir, existingDirectory }).map(stripRoot);
      // ADD unpacks an archive into the destination itself, a directory whether or not it ends in '/'.
      const archiveDir = instruction.kind === 'ADD' ? stripRoot(destination) : undefined;
      if (from !== undefined) {
        await from.withTree(async (root) => {
          const treeSources = await selectSources(root, sourceWords, ignore);
          await copySelected(rootfs, root, treeSources, targetsOf([...treeSources, ...heredocs.map(inline)]), ignore, ownership, undefined);
        });
      } else {
        const targets = targetsOf([...selected, ...heredocs.map(inline)]);
        await copySelected(rootfs, context.contextDir, selected, targets, ignore, ownership, archiveDir);
      }
      if (heredocs.length > 0) await copyHeredocs(context, rootfs, heredocs, targetsOf([...selected, ...heredocs.map(inline)]).slice(-heredocs.length), ownership);
    },
  };
}

/** A heredoc is copied as a file named after it. */
function inline(doc: { name: string }): CopySource {
  return { name: doc.name, isDirectory: false };
}

/**
 * Copies each selected source to its target: a directory's contents (its own entry only makes
 * the target directory), anything else itself; with `archiveDir` (ADD), a local tar archive is
 * unpacked there instead.
 */
async function copySelected(
  rootfs: string,
  sourceRoot: string,
  sources: readonly SelectedSource[],
  targets: readonly string[],
  ignore: PatternMatcher,
  ownership: CopyOwnership,
  archiveDir: string | undefined,
): Promise<void> {
  for (const [i, source] of sources.entries()) {
    const target = targets[i] ?? '';
    if (archiveDir !== undefined && !source.isDirectory && (await isLocalArchive(source.absolutePath))) {
      await addArchive(rootfs, source.absolutePath, archiveDir);
      continue;
    }
    const entries: CopyEntry[] = [];
    for await (const entry of walkSource(source, ignore)) {
      if (entry.relativePath === '.' && source.isDirectory) continue;
      entries.push({ path: entry.contextPath, target: entry.relativePath === '.' ? target : path.posix.join(target, entry.relativePath) });
    }
    if (source.isDirectory) makeDirectoryInRoot(rootfs, target);
    await copyEntries(rootfs, sourceRoot, entries, ownership);
  }
}

/** Where a source lands, relative to the image root. */
function stripRoot(absolute: string): string {
  return absolute.replace(/^\/+/, '');
}

/** --chmod takes octal permission bits, as BuildKit does. */
function parseChmod(text: string): number {
  if (!/^[0-7]{3,4}$/.test(text)) throw new InvalidArgumentError(`--chmod=${text}: give octal permission bits such as 755 or 0644`);
  return Number.parseInt(text, 8);
}

/** Whether `dir` is a directory in the image, resolved inside the rootfs (the image's symlinks included). */
function isDirectoryInRoot(rootfs: string, dir: string): boolean {
  const rootFd = fs.openSync(rootfs, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    fs.closeSync(openInRoot(rootFd, dir, O_PATH | O_DIRECTORY));
    return true;
  } catch (err) {
    if (err instanceof SysError) return false;
    throw err;
  } finally {
    fs.closeSync(rootFd);
  }
}

/** What COPY --from reads: an earlier stage or an image, mounted read-only for the copy. */
interface TreeSource {
  chainId: Digest | undefined;
  withTree(use: (root: string) => Promise<void>): Promise<void>;
}

async function copySource(context: CopyContext, word: string): Promise<TreeSource> {
  const { shared } = context;
  const stage = shared.stageNamed(word, context.stageIndex);
  const chainId = stage !== undefined ? (await shared.stageResult(stage.index)).chainId : await imageChainId(shared, word);
  return {
    chainId,
    withTree: async (use) => {
      if (chainId === undefined) return useEmpty(shared, use);
      const { snapshotter } = shared.layer;
      const key = `build-view-${randomBytes(8).toString('hex')} ${chainId}`;
      const mounts = await snapshotter.view(key, chainId, { labels: buildSnapshotLabels() });
      try {
        await withMounted(shared.layer, mounts, use);
      } finally {
        await snapshotter.remove(key);
      }
    },
  };
}

/** An image named by COPY --from, from the store, unpacked so its layers can be viewed. */
async function imageChainId(shared: BuildShared, ref: string): Promise<Digest | undefined> {
  const { root, snapshotter } = shared.layer;
  const resolved = new ImageStore(root.metadata).resolve(ref);
  const image = await readImage(root.content, resolved.record.manifestDigest);
  const chainId = chainIds(image.layers.map((layer) => layer.diffId)).at(-1);
  if (!isCommitted(snapshotter, chainId)) await unpackImage(root, snapshotter, resolved.id);
  return chainId;
}

async function useEmpty(shared: BuildShared, use: (root: string) => Promise<void>): Promise<void> {
  const empty = shared.layer.workspace.folder('empty');
  try {
    await use(empty);
  } finally {
    shared.layer.workspace.release(empty);
  }
}

/** `COPY <<name /dest`: each heredoc becomes a file (0644) at its target. */
async function copyHeredocs(context: CopyContext, rootfs: string, heredocs: ReadonlyArray<{ name: string; content: string }>, targets: readonly string[], ownership: CopyOwnership): Promise<void> {
  const folder = context.shared.layer.workspace.folder('heredoc');
  try {
    const entries = heredocs.map((doc, i) => {
      if (doc.name.includes('/')) throw new InvalidArgumentError(`heredoc <<${doc.name}: a heredoc copied as a file needs a name without '/'`);
      fs.writeFileSync(path.join(folder, doc.name), doc.content, { mode: 0o644 });
      return { path: doc.name, target: targets[i] ?? doc.name };
    });
    await copyEntries(rootfs, folder, entries, ownership);
  } finally {
    context.shared.layer.workspace.release(folder);
  }
}
