import path from 'node:path';
import { END, rawEntry } from '../tar/tar-test-support.ts';
import type { TarInput } from '../tar/index.ts';
import { dirEntry, fileEntry, hardlinkEntry, layerTar, opaqueEntry, symlinkEntry } from './layer-entries.ts';

/**
 * The hostile-tar catalogue: each layer that tries to reach outside its target, made by code (no
 * binary blobs in git), one named fixture per trick. containerd's archive tests (TestBreakouts)
 * and moby's pkg/archive tests are the reference.
 *
 * Each case runs against a target directory inside a scratch directory that also holds a
 * sentinel file and a sentinel directory; every escape attempt aims at them. A case expects either
 * a refusal (an InvalidArgumentError naming the entry) or, where the tar has a meaning that stays
 * inside the target, that meaning: absolute names and absolute symlinks are read with the target
 * as '/', as the container will read them (containerd's fs.RootPath, moby's FollowSymlinkInScope).
 * Either way nothing outside the target may appear or change.
 */

/** Where a case runs. */
export interface HostileScene {
  /** The directory the layer is applied to. */
  target: string;
  /** Absolute path of the sentinel file beside the target. */
  sentinel: string;
}

/**
 * What must happen: refusal naming the entry `refused` (by applyLayer, or by the tar reader
 * already when `by` says so), or the listed paths inside the target as given.
 */
export type HostileExpectation =
  | { refused: string; by?: 'reader' }
  | { contained: Record<string, 'file' | 'directory' | 'symlink' | 'absent'> };

export interface HostileTar {
  /** The trick, in a sentence. */
  why: string;
  /** Entries applied first, as the layers below; they must apply cleanly. */
  lower?: (scene: HostileScene) => TarInput[];
  /** The hostile layer. */
  layer: (scene: HostileScene) => AsyncIterable<Buffer>;
  expect: (scene: HostileScene) => HostileExpectation;
}

/** The sentinel's name beside the target, so relative tricks can aim at it. */
export const SENTINEL = 'sentinel';
/** A directory beside the target, for tricks that would create or remove inside it. */
export const SENTINEL_DIR = 'sentinel-dir';

const PWNED = 'pwned\n';

/** An absolute host path read as a name inside the target. */
const inTarget = (absolute: string): string => absolute.replace(/^\/+/, '');

/** Directory entries for every ancestor of an absolute path, as names inside the target. */
function parentDirs(absolute: string): TarInput[] {
  const parts = inTarget(path.dirname(absolute)).split('/');
  return parts.map((_, i) => dirEntry(parts.slice(0, i + 1).join('/')));
}

const refused = (entry: string) => (): HostileExpectation => ({ refused: entry });

/** A hand-made tar from raw ustar blocks, for entries writeTar rightly refuses to write. */
async function* rawTar(...entries: Buffer[]): AsyncGenerator<Buffer> {
  for (const entry of entries) yield entry;
  yield END;
}

export const hostileTars = {
  'absolute path': {
    why: "a name starting '/' aims at the host's file; it is cleaned to a name inside the target",
    layer: ({ sentinel }) => layerTar(fileEntry(sentinel, PWNED)),
    expect: ({ sentinel }) => ({ contained: { [sentinel.slice(1)]: 'file' } }),
  },
  'up-and-out path': {
    why: "'..' climbs from the target to the sentinel beside it",
    layer: () => layerTar(fileEntry(`../${SENTINEL}`, PWNED)),
    expect: refused(`../${SENTINEL}`),
  },
  'up-and-out path after a detour': {
    why: "'a/../../x' climbs out once 'a/..' is collapsed",
    layer: () => layerTar(dirEntry('a'), fileEntry(`a/../../${SENTINEL}`, PWNED)),
    expect: refused(`a/../../${SENTINEL}`),
  },
  'symlink to / then a file through it': {
    why: "a symlink to '/' would let the next entry write to the host's root; '/' is the target's root",
    layer: ({ sentinel }) => layerTar(symlinkEntry('root', '/'), fileEntry(`root${sentinel}`, PWNED)),
    expect: ({ sentinel }) => ({ contained: { root: 'symlink', [sentinel.slice(1)]: 'file' } }),
  },
  'relative symlink climbing out then a file through it': {
    why: "a symlink to '..' leads from the target to its parent, where the sentinel is",
    layer: () => layerTar(symlinkEntry('up', '..'), fileEntry(`up/${SENTINEL}`, PWNED)),
    expect: refused(`up/${SENTINEL}`),
  },
  'relative symlink climbing out then a new file through it': {
    why: 'writing a new name beside the target through a symlink to its parent',
    layer: () => layerTar(symlinkEntry('up', '../'), fileEntry('up/new-beside-target', PWNED)),
    expect: refused('up/new-beside-target'),
  },
  'symlink chain climbing out': {
    why: 'each link stays inside, the last one climbs out: the chain must be followed to the end',
    layer: () =>
      layerTar(
        dirEntry('d'),
        symlinkEntry('l1', 'l2'),
        symlinkEntry('l2', 'd/l3'),
        symlinkEntry('d/l3', '../l4'),
        symlinkEntry('l4', '/d/../..'),
        fileEntry(`l1/${SENTINEL}`, PWNED),
      ),
    expect: refused(`l1/${SENTINEL}`),
  },
  'symlink chain of absolute links': {
    why: 'absolute links hop around the target and end inside it',
    layer: () => layerTar(dirEntry('real'), symlinkEntry('a', '/b'), symlinkEntry('b', '/real/../c'), symlinkEntry('c', '/real'), fileEntry('a/file', PWNED)),
    expect: () => ({ contained: { 'real/file': 'file', a: 'symlink' } }),
  },
  'symlink loop': {
    why: 'a loop of links must end in a refusal, not a hang or a stack overflow',
    layer: () => layerTar(symlinkEntry('loop-a', 'loop-b'), symlinkEntry('loop-b', 'loop-a'), fileEntry('loop-a/file', PWNED)),
    expect: refused('loop-a/file'),
  },
  'symlink named ..': {
    why: "containerd's SymlinkParentDirectory: an entry named '..' would replace the target's parent",
    layer: () => layerTar(symlinkEntry('..', '/etc')),
    expect: refused('..'),
  },
  'symlink with an empty name': {
    why: "containerd's SymlinkEmptyFilename: an empty name would be the target itself; writeTar refuses to write one, hence raw blocks, and the reader refuses it already",
    layer: () => rawTar(rawEntry({ name: Buffer.alloc(0), typeflag: '2', linkname: Buffer.from('/etc') })),
    expect: () => ({ refused: '', by: 'reader' }),
  },
  'symlink named .': {
    why: "containerd's SymlinkEmptyFilename2: '.' is the target itself",
    layer: () => layerTar(symlinkEntry('.', '/etc')),
    expect: refused('.'),
  },
  'hardlink to an absolute path': {
    why: "a link to the sentinel's absolute path would share the host's inode; it names a path inside the target",
    layer: ({ sentinel }) => layerTar(hardlinkEntry('passwd', sentinel)),
    expect: refused('passwd'),
  },
  'hardlink climbing out': {
    why: "a link to '../sentinel' would share the inode of a file outside",
    layer: () => layerTar(hardlinkEntry('passwd', `../${SENTINEL}`)),
    expect: refused('passwd'),
  },
  'hardlink through a symlink that leaves': {
    why: 'the link target is resolved through a symlink to the parent',
    layer: () => layerTar(symlinkEntry('up', '..'), hardlinkEntry('passwd', `up/${SENTINEL}`)),
    expect: refused('passwd'),
  },
  'hardlink to a symlink that leaves links the symlink itself': {
    why: 'link(2) on a symlink links the symlink, never its target: nothing outside is shared',
    layer: () => layerTar(symlinkEntry('up', `../${SENTINEL}`), hardlinkEntry('same-link', 'up')),
    expect: () => ({ contained: { 'same-link': 'symlink' } }),
  },
  'hardlink to a directory': {
    why: 'directories cannot be hardlinked; a tar that asks is broken or hostile',
    layer: () => layerTar(dirEntry('d'), hardlinkEntry('hd', 'd')),
    expect: refused('hd'),
  },
  'hardlink to a missing file': {
    why: 'a link to nothing in this layer or below',
    layer: () => layerTar(hardlinkEntry('nothing', 'not/there')),
    expect: refused('nothing'),
  },
  'a directory replaced by a symlink then a file through it': {
    why: 'a lower directory becomes a symlink to the parent, and the next entry writes through the name it had',
    lower: () => [dirEntry('d')],
    layer: () => layerTar(symlinkEntry('d', '..'), fileEntry(`d/${SENTINEL}`, PWNED)),
    expect: refused(`d/${SENTINEL}`),
  },
  'a symlink replaced by a directory': {
    why: 'a lower symlink to the parent is replaced by a directory: the link goes, its target is not touched',
    lower: () => [symlinkEntry('s', '..')],
    layer: () => layerTar(dirEntry('s', { mode: 0o777 }), fileEntry(`s/${SENTINEL}`, PWNED)),
    expect: () => ({ contained: { s: 'directory', [`s/${SENTINEL}`]: 'file' } }),
  },
  'a file over a symlink that leaves': {
    why: 'the final component is never followed: the file replaces the link, the sentinel stays as it was',
    lower: () => [symlinkEntry('s', `../${SENTINEL}`)],
    layer: () => layerTar(fileEntry('s', PWNED, { mode: 0o777 })),
    expect: () => ({ contained: { s: 'file' } }),
  },
  'a file through a lower file': {
    why: 'a regular file cannot be a directory on the way',
    lower: () => [fileEntry('f', 'lower')],
    layer: () => layerTar(fileEntry('f/x', PWNED)),
    expect: refused('f/x'),
  },
  'whiteout of the root': {
    why: "'.wh..' names '.', the target itself",
    layer: () => layerTar(fileEntry('.wh..')),
    expect: refused('.wh..'),
  },
  "whiteout of '..'": {
    why: "'.wh...' names '..', the target's parent",
    layer: () => layerTar(fileEntry('.wh...')),
    expect: refused('.wh...'),
  },
  "whiteout of a directory's own '.'": {
    why: "'etc/.wh..' names etc itself from inside it",
    lower: () => [dirEntry('etc')],
    layer: () => layerTar(fileEntry('etc/.wh..')),
    expect: refused('etc/.wh..'),
  },
  'bare .wh.': {
    why: "'.wh.' alone names nothing; containerd refuses it",
    layer: () => layerTar(fileEntry('etc/.wh.')),
    expect: refused('etc/.wh.'),
  },
  'whiteout through an escaping symlink': {
    why: 'the whiteout would delete the sentinel through a symlink to the parent',
    layer: () => layerTar(symlinkEntry('up', '..'), fileEntry(`up/.wh.${SENTINEL}`)),
    expect: refused(`up/.wh.${SENTINEL}`),
  },
  'opaque marker through an escaping symlink': {
    why: 'the marker would empty the parent directory through a symlink to it',
    layer: () => layerTar(symlinkEntry('up', '..'), opaqueEntry('up')),
    expect: refused('up/.wh..wh..opq'),
  },
  'whiteout through an absolute symlink stays inside': {
    // containerd's WhiteoutSymlinkPath aims at '/etc/passwd'. We aim at the scratch directory's
    // own sentinel instead: a regression must hit a file the test watches, never the host's /etc
    // (an early version of this case, aimed at /etc, deleted the machine's /etc/passwd).
    why: "an absolute symlink names the target's own directory, so the whiteout stays inside",
    lower: ({ sentinel }) => [...parentDirs(sentinel), fileEntry(inTarget(sentinel), 'inside')],
    layer: ({ sentinel }) =>
      layerTar(symlinkEntry('localdir', path.dirname(sentinel)), fileEntry(`localdir/.wh.${SENTINEL}`)),
    expect: ({ sentinel }) => ({ contained: { [inTarget(sentinel)]: 'absent', [inTarget(path.dirname(sentinel))]: 'directory' } }),
  },
  'duplicate entry': {
    why: 'the same path twice in one layer: which one wins is up to the reader, so it is refused',
    layer: () => layerTar(fileEntry('a', 'first'), fileEntry('a', 'second')),
    expect: refused('a'),
  },
  'duplicate entry under another spelling': {
    why: "'./a' and 'a' are one path",
    layer: () => layerTar(fileEntry('a', 'first'), dirEntry('./a')),
    expect: refused('./a'),
  },
  'duplicate entry through a lower symlink': {
    why: "'l/x' reaches 'd/x' through a lower symlink: the same file twice",
    lower: () => [dirEntry('d'), symlinkEntry('l', 'd')],
    layer: () => layerTar(fileEntry('d/x', 'first'), fileEntry('l/x', 'second')),
    expect: refused('l/x'),
  },
  'unknown .wh..wh. metadata name': {
    why: "'.wh..wh.' names are reserved for whiteout metadata; only the opaque marker has a meaning",
    layer: () => layerTar(fileEntry('.wh..wh.plnk')),
    expect: refused('.wh..wh.plnk'),
  },
  'whiteout name used as a directory': {
    why: "'.wh.x/y' would leave a whiteout-named directory in the result",
    layer: () => layerTar(fileEntry('.wh.x/y', PWNED)),
    expect: refused('.wh.x/y'),
  },
} satisfies Record<string, HostileTar>;

export type HostileCaseName = keyof typeof hostileTars;
