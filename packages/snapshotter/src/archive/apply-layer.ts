import { LayerctlError, lutimesNs, wrapNodeError } from '@layerctl/sys';
import { currentCreator, makeDirectory, setDirMetadata, type Creator, writeFile, writeHardlink, writeNode, writeSymlink, writeWholeFile } from './apply-entry.ts';
import { chunkReturner } from './chunk-return.ts';
import { LayerPaths } from './layer-paths.ts';
import { baseOf, cleanEntryPath, entryError, parentOf } from './safe-path.ts';
import { joinReal, lstatOrUndefined, ScopedRoot } from './scoped-root.ts';
import { readTar } from './tar/index.ts';
import type { TarBody } from './tar/tar-reader.ts';
import type { TarHeader } from './tar/tar-header.ts';
import { OPAQUE_MARKER, WHITEOUT_META_PREFIX, WHITEOUT_PREFIX, ociWhiteouts, type Whiteout, type WhiteoutConverter } from './whiteout.ts';

export interface ApplyOptions {
  /** The target's on-disk whiteout form; a plain directory holding the layers below takes ociWhiteouts. */
  whiteouts?: WhiteoutConverter;
}

/**
 * Applies an OCI changeset tar on top of what `target` holds (the layers below, or nothing).
 *
 * Every entry type, with owner, mode (setuid, setgid, sticky), xattrs and mtime to the
 * nanosecond; an entry replaces whatever is at its path unless both are directories (then the
 * directory stays and takes the entry's metadata). Hardlinks may point at files written earlier
 * in this tar or at files of the layers below. Whiteouts and opaque markers remove only what the
 * layers below put there; an opaque marker applies wherever it stands in the tar, and no
 * whiteout survives in the result (unless the converter's on-disk form is one).
 *
 * The tar is hostile until checked (see scoped-root.ts): names are cleaned, symlinks met on the
 * way are resolved inside `target`, a name or link that would leave it is refused, and so are
 * duplicate entries and malformed whiteouts. Each refusal is an InvalidArgumentError naming the
 * entry. Nothing is ever written outside `target`; a refused layer leaves `target` partly
 * applied, so callers apply into a directory they can throw away.
 *
 * Returns the bytes of file content written.
 */
export async function applyLayer(target: string, tar: AsyncIterable<Buffer>, opts: ApplyOptions = {}): Promise<{ size: number }> {
  const layer = new LayerApplier(target, opts.whiteouts ?? ociWhiteouts);
  // Each body piece is written before the next is read, so spent chunks may go back to a source that reuses them.
  for await (const { header, body } of readTar(tar, { chunkDone: chunkReturner(tar) })) {
    try {
      // Most entries apply without a wait; only a file whose body is still to come returns a promise.
      const pending = layer.apply(header, body);
      if (pending !== undefined) await pending;
    } catch (err) {
      throw err instanceof LayerctlError ? err : wrapNodeError(err);
    }
  }
  layer.finish();
  return { size: layer.size };
}

/** The state of one layer being applied. */
class LayerApplier {
  size = 0;
  readonly #root: ScopedRoot;
  readonly #paths: LayerPaths;
  readonly #whiteouts: WhiteoutConverter;
  /** Clean names met so far: a name may stand once in a layer. */
  readonly #names = new Set<string>();
  /** Directory times, set once nothing more is added into them. */
  readonly #dirTimes: Array<{ real: string; mtimeNs: bigint }> = [];
  readonly #creator: Creator = currentCreator();

  constructor(target: string, whiteouts: WhiteoutConverter) {
    this.#root = new ScopedRoot(target, (real, mode) => this.#paths.made(real, mode));
    this.#paths = new LayerPaths(this.#root);
    this.#whiteouts = whiteouts;
  }

  apply(header: TarHeader, body: TarBody): Promise<void> | undefined {
    const entry = header.name;
    const name = cleanEntryPath(entry);
    if (this.#names.has(name)) throw entryError(entry, `duplicate entry: ${JSON.stringify(name === '' ? '.' : name)} is already in this layer`);
    this.#names.add(name);
    if (name === '') {
      this.#applyRoot(header);
      return undefined;
    }
    const parent = parentOf(name);
    if (parent.startsWith(WHITEOUT_PREFIX) || parent.includes(`/${WHITEOUT_PREFIX}`)) {
      throw entryError(entry, 'a whiteout name cannot be a directory');
    }
    const whiteout = parseWhiteout(entry, name, header);
    if (whiteout !== undefined) {
      this.#applyWhiteout(entry, name, whiteout);
      return undefined;
    }
    return this.#applyEntry(entry, name, parent, header, body);
  }

  /** Sets the directories' times, deepest first, now that nothing more goes into them. */
  finish(): void {
    const depth = (real: string): number => real.split('/').length;
    this.#dirTimes.sort((a, b) => depth(b.real) - depth(a.real));
    for (const { real, mtimeNs } of this.#dirTimes) lutimesNs(real, mtimeNs, mtimeNs);
  }

  /** './' in a tar: the target directory itself takes its metadata. */
  #applyRoot(header: TarHeader): void {
    if (header.type !== 'directory') throw entryError(header.name, `the layer root can only be a directory, not a ${header.type}`);
    setDirMetadata(this.#root.path, header);
    this.#dirTimes.push({ real: this.#root.path, mtimeNs: header.mtimeNs });
  }

  #applyWhiteout(entry: string, name: string, whiteout: Whiteout): void {
    const parent = parentOf(name);
    // A converter may put its own on-disk whiteout into a directory this layer made.
    this.#paths.forgetMade();
    this.#whiteouts.unpack(whiteout, {
      entry,
      existingDir: () => this.#root.findDir(parent, entry),
      makeDir: () => this.#root.dir(parent, entry),
      removeBelow: (real) => {
        if (!this.#root.contains(real)) throw entryError(entry, `whiteout converter asked to remove ${real}, outside the layer root`);
        this.#paths.removeBelow(real);
      },
    });
  }

  #applyEntry(entry: string, name: string, parent: string, header: TarHeader, body: TarBody): Promise<void> | undefined {
    // The parent's real path is known here: the checks below need not work it out of `real` again.
    const dir = this.#root.dir(parent, entry);
    const real = joinReal(dir, baseOf(name));
    if (this.#paths.has(real)) throw entryError(entry, 'duplicate entry: this layer already wrote the same path through a symlink');
    if (header.type === 'symlink' && header.linkname === '') throw entryError(entry, 'symlink with an empty target');
    // Resolved before the old entry goes: the link may point into what it replaces.
    const linked = header.type === 'hardlink' ? this.#hardlinkTarget(entry, header.linkname, real) : '';
    const kept = this.#clear(entry, real, dir, header);
    switch (header.type) {
      case 'directory':
        if (!kept) makeDirectory(real);
        setDirMetadata(real, header);
        if (kept) this.#paths.kept(real, header.mode);
        else this.#paths.made(real, header.mode);
        this.#dirTimes.push({ real, mtimeNs: header.mtimeNs });
        break;
      case 'file': {
        const whole = body.takeWhole();
        if (whole === undefined) return this.#writeStreamed(real, dir, header, body);
        this.size += writeWholeFile(real, header, whole, this.#creator, this.#paths.plainDir(dir));
        break;
      }
      case 'symlink':
        writeSymlink(real, header);
        break;
      case 'hardlink':
        writeHardlink(real, linked);
        break;
      case 'char':
      case 'block':
      case 'fifo':
        writeNode(real, header);
        break;
    }
    this.#paths.wrote(real, dir);
    return undefined;
  }

  /** A file whose body comes in pieces still to be read. */
  async #writeStreamed(real: string, dir: string, header: TarHeader, body: TarBody): Promise<void> {
    this.size += await writeFile(real, header, body, this.#creator, this.#paths.plainDir(dir));
    this.#paths.wrote(real, dir);
  }

  /** Removes what stands at `real` unless a directory meets a directory; true when a directory is kept. */
  #clear(entry: string, real: string, dir: string, header: TarHeader): boolean {
    if (this.#paths.surelyFree(real, dir)) return false;
    const existing = lstatOrUndefined(real);
    if (existing === undefined) return false;
    if (existing.isDirectory()) {
      if (header.type === 'directory') return true;
      if (this.#paths.holdsWritten(real)) throw entryError(entry, 'replaces a directory that earlier entries of this layer wrote into');
    }
    this.#paths.remove(real, existing);
    return false;
  }

  /** The real path a hardlink entry links to: an existing non-directory inside the target, outside what the entry replaces. */
  #hardlinkTarget(entry: string, linkname: string, real: string): string {
    const name = cleanEntryPath(linkname, entry, 'hardlink target');
    if (name === '') throw entryError(entry, 'hardlink to the layer root');
    const target = this.#root.find(name, entry);
    const stat = target === undefined ? undefined : lstatOrUndefined(target);
    if (target === undefined || stat === undefined) throw entryError(entry, `hardlink target ${JSON.stringify(linkname)} does not exist`);
    if (stat.isDirectory()) throw entryError(entry, `hardlink target ${JSON.stringify(linkname)} is a directory`);
    if (target === real || target.startsWith(`${real}/`)) throw entryError(entry, `hardlink target ${JSON.stringify(linkname)} is the entry itself or inside it`);
    return target;
  }
}

/** The whiteout a base name stands for, undefined for an ordinary name; malformed ones are refused. */
function parseWhiteout(entry: string, name: string, header: TarHeader): Whiteout | undefined {
  const base = baseOf(name);
  if (!base.startsWith(WHITEOUT_PREFIX)) return undefined;
  if (base === OPAQUE_MARKER) return { kind: 'opaque', header };
  if (base.startsWith(WHITEOUT_META_PREFIX)) throw entryError(entry, `unknown whiteout metadata name ${JSON.stringify(base)}`);
  const hidden = base.slice(WHITEOUT_PREFIX.length);
  if (hidden === '') throw entryError(entry, `a bare ${JSON.stringify(WHITEOUT_PREFIX)} whiteout names nothing`);
  if (hidden === '.') throw entryError(entry, parentOf(name) === '' ? 'whiteout of the layer root' : 'whiteout of its own directory');
  if (hidden === '..') throw entryError(entry, 'whiteout of ".." names the directory above its own');
  return { kind: 'whiteout', name: hidden, header };
}
