import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { lsetxattr } from '@layerctl/sys';
import { mountPoints } from '@layerctl/sys/testing';
import type { Change } from '../archive/pack-changes.ts';
import { readTar, type TarHeader } from '../archive/tar/index.ts';
import { OPAQUE_MARKER, WHITEOUT_PREFIX } from '../archive/whiteout.ts';
import { compareEntryPaths } from '../archive/safe-path.ts';
import { treeFacts } from '../archive/testdata/compare-trees.ts';
import { runDriverCase, type DriverCase, type DriverContext, type OpenDriver } from './driver-context.ts';
import { registerCases } from './register-cases.ts';
import { assertSameTree } from './same-tree.ts';

/**
 * Driver-level conformance: moby's graphtest cases (daemon/graphdriver/graphtest) ported to the
 * Driver contract, plus the contract's own rules (driver.ts). SetQuota is not here: the Driver
 * contract has no quota operation yet.
 */

const RW = { readonly: false };
const FILE_BYTES = 64;

/** moby's randomContent: the same bytes for the same seed, so a later check knows what a file must hold. */
function content(seed: number, i: number): Buffer {
  const a = createHash('sha256').update(`${seed}/${i}/a`).digest();
  const b = createHash('sha256').update(`${seed}/${i}/b`).digest();
  return Buffer.concat([a, b]).subarray(0, FILE_BYTES);
}

async function withMounted<T>(ctx: DriverContext, id: string, fn: (dir: string) => T): Promise<T> {
  const dir = await ctx.mount(id);
  try {
    return fn(dir);
  } finally {
    await ctx.unmount(id);
  }
}

/** Mounts both layers and compares their trees entry by entry, mtimes included: a diff carries them. */
async function assertSameLayers(ctx: DriverContext, expected: string, actual: string, what: string): Promise<void> {
  const facts = await withMounted(ctx, expected, (dir) => treeFacts(dir));
  await withMounted(ctx, actual, (dir) => assertSameTree(ctx.t, facts, dir, what));
}

/** The facts of one entry: type and permission bits, owner. */
function entryFacts(path: string): { mode: number; uid: number; gid: number; dir: boolean } {
  const st = fs.lstatSync(path);
  return { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, dir: st.isDirectory() };
}

/** moby's createBase, with more of the special bits: sticky, setuid, setgid, odd owners, mode 0. */
async function createBase(ctx: DriverContext, id: string): Promise<void> {
  await ctx.driver.create(id, undefined, RW);
  await withMounted(ctx, id, (dir) => {
    fs.mkdirSync(`${dir}/a subdir`);
    fs.chmodSync(`${dir}/a subdir`, 0o1705);
    fs.lchownSync(`${dir}/a subdir`, 1, 2);
    fs.writeFileSync(`${dir}/a file`, 'Some data');
    fs.chmodSync(`${dir}/a file`, 0o4222);
    fs.mkdirSync(`${dir}/setgid dir`);
    fs.lchownSync(`${dir}/setgid dir`, 300_000, 300_001);
    fs.chmodSync(`${dir}/setgid dir`, 0o2750);
    fs.writeFileSync(`${dir}/setgid dir/mode zero`, '');
    fs.chmodSync(`${dir}/setgid dir/mode zero`, 0);
  });
}

function verifyBase(ctx: DriverContext, dir: string): void {
  const { t } = ctx;
  t.deepEqual(entryFacts(`${dir}/a subdir`), { mode: 0o1705, uid: 1, gid: 2, dir: true }, 'a sticky directory owned by 1:2');
  t.deepEqual(entryFacts(`${dir}/a file`), { mode: 0o4222, uid: 0, gid: 0, dir: false }, 'a setuid file');
  t.is(fs.readFileSync(`${dir}/a file`, 'utf8'), 'Some data');
  t.deepEqual(entryFacts(`${dir}/setgid dir`), { mode: 0o2750, uid: 300_000, gid: 300_001, dir: true }, 'a setgid directory with high ids');
  t.deepEqual(entryFacts(`${dir}/setgid dir/mode zero`), { mode: 0, uid: 0, gid: 300_001, dir: false }, 'a file of mode 0, its group from the setgid directory');
  t.deepEqual(fs.readdirSync(dir).sort(), ['a file', 'a subdir', 'setgid dir']);
}

const createEmpty: DriverCase = async (ctx) => {
  const { t, driver } = ctx;
  await driver.create('empty', undefined, RW);
  t.true(driver.exists('empty'));
  t.true(driver.list().includes('empty'), 'list() names the new layer');
  await withMounted(ctx, 'empty', (dir) => {
    t.deepEqual(entryFacts(dir), { mode: 0o755, uid: 0, gid: 0, dir: true }, 'an empty layer is a 0755 root-owned directory');
    t.deepEqual(fs.readdirSync(dir), []);
  });
  await driver.remove('empty');
  t.false(driver.exists('empty'));
  t.false(driver.list().includes('empty'));
};

const createBaseCase: DriverCase = async (ctx) => {
  await createBase(ctx, 'base');
  await withMounted(ctx, 'base', (dir) => verifyBase(ctx, dir));
  await ctx.driver.remove('base');
};

const createSnap: DriverCase = async (ctx) => {
  await createBase(ctx, 'Base');
  await ctx.driver.create('Snap', 'Base', RW);
  await withMounted(ctx, 'Snap', (dir) => verifyBase(ctx, dir));
  await ctx.driver.remove('Snap');
  await ctx.driver.remove('Base');
};

/** moby's DriverTestDeepLayerRead: every layer leaves its id, and its parent's, where the top can read them. */
function deepLayerRead(layerCount: number): DriverCase {
  return async (ctx) => {
    const { t, driver } = ctx;
    await driver.create('layer-0', undefined, RW);
    await withMounted(ctx, 'layer-0', (dir) => fs.writeFileSync(`${dir}/testfile.txt`, 'test content'));
    for (let i = 1; i <= layerCount; i++) {
      const id = `layer-${i}`;
      await driver.create(id, `layer-${i - 1}`, RW);
      await withMounted(ctx, id, (dir) => {
        fs.writeFileSync(`${dir}/top-id`, id);
        fs.mkdirSync(`${dir}/layer-${i}`, { mode: 0o755 });
        fs.writeFileSync(`${dir}/layer-${i}/layer-id`, id);
        fs.writeFileSync(`${dir}/layer-${i}/parent-id`, `layer-${i - 1}`);
      });
    }
    await withMounted(ctx, `layer-${layerCount}`, (dir) => {
      t.is(fs.readFileSync(`${dir}/top-id`, 'utf8'), `layer-${layerCount}`);
      t.is(fs.readFileSync(`${dir}/testfile.txt`, 'utf8'), 'test content', 'the bottom layer reads through all the others');
      const wrong = [];
      for (let i = layerCount; i >= 1; i--) {
        const ids = [fs.readFileSync(`${dir}/layer-${i}/layer-id`, 'utf8'), fs.readFileSync(`${dir}/layer-${i}/parent-id`, 'utf8')];
        if (ids[0] !== `layer-${i}` || ids[1] !== `layer-${i - 1}`) wrong.push(`layer-${i}: ${ids.join(', ')}`);
      }
      t.deepEqual(wrong, [], 'each layer reads back its own files');
    });
  };
}

function addManyFiles(dir: string, count: number, seed: number): void {
  fs.mkdirSync(`${dir}/directory-0`, { recursive: true, mode: 0o755 });
  for (let i = 0; i < count; i++) fs.writeFileSync(`${dir}/directory-0/file-${i}`, content(seed, i), { mode: 0o755 });
}

function checkManyFiles(ctx: DriverContext, dir: string, count: number, seed: number, what: string): void {
  const wrong = [];
  for (let i = 0; i < count; i++) if (!fs.readFileSync(`${dir}/directory-0/file-${i}`).equals(content(seed, i))) wrong.push(`file-${i}`);
  ctx.t.deepEqual(wrong, [], what);
}

const DELETE_FILE = 'file-remove.txt';

/** moby's DriverTestDiffApply: a layer's diff applied on the same parent gives the same tree, and applyDiff counts the bytes. */
function diffApply(fileCount: number): DriverCase {
  return async (ctx) => {
    const { t, driver } = ctx;
    await driver.create('base', undefined, RW);
    await withMounted(ctx, 'base', (dir) => {
      addManyFiles(dir, fileCount, 3);
      fs.writeFileSync(`${dir}/${DELETE_FILE}`, 'This file should get removed in upper!');
    });
    await driver.create('upper', 'base', RW);
    await withMounted(ctx, 'upper', (dir) => {
      addManyFiles(dir, fileCount, 6);
      fs.rmSync(`${dir}/${DELETE_FILE}`);
    });
    await driver.create('diff', 'base', RW);
    await withMounted(ctx, 'diff', (dir) => checkManyFiles(ctx, dir, fileCount, 3, 'a fresh layer sees its parent'));

    const written = await driver.applyDiff('diff', 'base', driver.diff('upper', 'base'));
    t.is(written, fileCount * FILE_BYTES, 'applyDiff returns the bytes of content written');
    await withMounted(ctx, 'diff', (dir) => {
      checkManyFiles(ctx, dir, fileCount, 6, 'the applied layer has the new contents');
      t.false(fs.existsSync(`${dir}/${DELETE_FILE}`), 'the whiteout removed the deleted file');
    });
    await assertSameLayers(ctx, 'upper', 'diff', 'the applied layer against the layer diffed');
  };
}

/** moby's changeManyFiles: modify, add and delete in turn; the directory holding them counts as modified. */
function changeManyFiles(dir: string, count: number, seed: number): Change[] {
  const changes: Change[] = [{ kind: 'modify', path: 'directory-0' }];
  for (let i = 0; i < count; i++) {
    if (i % 3 === 0) {
      fs.writeFileSync(`${dir}/directory-0/file-${i}`, content(seed, i));
      changes.push({ kind: 'modify', path: `directory-0/file-${i}` });
    } else if (i % 3 === 1) {
      fs.writeFileSync(`${dir}/directory-0/file-${seed}-${i}`, content(seed, i), { mode: 0o755 });
      changes.push({ kind: 'add', path: `directory-0/file-${seed}-${i}` });
    } else {
      fs.rmSync(`${dir}/directory-0/file-${i}`);
      changes.push({ kind: 'delete', path: `directory-0/file-${i}` });
    }
  }
  return changes.sort((a, b) => compareEntryPaths(a.path, b.path));
}

const changesCase: DriverCase = async (ctx) => {
  const { t, driver } = ctx;
  await driver.create('base', undefined, RW);
  await withMounted(ctx, 'base', (dir) => addManyFiles(dir, 20, 3));
  await driver.create('upper', 'base', RW);
  const expected = await withMounted(ctx, 'upper', (dir) => changeManyFiles(dir, 20, 6));
  t.deepEqual(await driver.changes('upper', 'base'), expected, 'changes in canonical order');
  const added = ['directory-0', ...Array.from({ length: 20 }, (_, i) => `directory-0/file-${i}`)];
  const additions = added.sort(compareEntryPaths).map((path): Change => ({ kind: 'add', path }));
  t.deepEqual(await driver.changes('base', undefined), additions, 'a base layer is all additions');
};

/**
 * A diff holds OCI whiteouts only: a deleted name as an empty `.wh.<name>` file (never a char
 * 0/0 device, nor a tar hardlink although overlay makes all its whiteouts one inode), a
 * directory replaced whole as `.wh..wh..opq`, and no xattr of the driver's own
 * (trusted.overlay.*). Applied on the same parent, it gives back the layer it came from.
 */
const diffIsOci: DriverCase = async (ctx) => {
  const { t, driver } = ctx;
  await driver.create('base', undefined, RW);
  await withMounted(ctx, 'base', (dir) => {
    for (const name of ['keep', 'gone', 'replaced']) fs.mkdirSync(`${dir}/${name}`, { mode: 0o755 });
    for (const name of ['f1', 'f2', 'keep/a', 'keep/b', 'gone/x', 'replaced/old']) fs.writeFileSync(`${dir}/${name}`, name, { mode: 0o644 });
    // A directory whose files change but whose entries do not: its owner, mode and time must come through.
    fs.lchownSync(`${dir}/keep`, 5, 6);
    fs.chmodSync(`${dir}/keep`, 0o750);
  });
  await driver.create('upper', 'base', RW);
  await withMounted(ctx, 'upper', (dir) => {
    fs.rmSync(`${dir}/f1`);
    fs.rmSync(`${dir}/f2`);
    fs.rmSync(`${dir}/gone`, { recursive: true });
    fs.rmSync(`${dir}/replaced`, { recursive: true });
    fs.mkdirSync(`${dir}/replaced`, { mode: 0o700 });
    fs.writeFileSync(`${dir}/replaced/new`, 'new', { mode: 0o644 });
    fs.appendFileSync(`${dir}/keep/a`, ' changed');
    lsetxattr(`${dir}/keep/b`, 'user.note', Buffer.from('b'));
  });

  const entries: TarHeader[] = [];
  for await (const entry of readTar(driver.diff('upper', 'base'))) {
    for await (const chunk of entry.body) void chunk;
    entries.push(entry.header);
  }
  const files = entries.filter((h) => h.type !== 'directory').map((h) => `${h.name} ${h.type}`);
  // A directory replaced whole may come as an opaque directory (a diff of the upper dir) or as
  // whiteouts of what it held (a diff comparing trees); both apply to the same tree.
  const replacedWhiteouts = files.filter((f) => f.startsWith(`replaced/${WHITEOUT_PREFIX}`));
  t.deepEqual(
    files.filter((f) => !replacedWhiteouts.includes(f)).sort(),
    ['.wh.f1 file', '.wh.f2 file', '.wh.gone file', 'keep/a file', 'keep/b file', 'replaced/new file'],
    'deleted names are empty .wh. files',
  );
  t.true(
    [`replaced/${OPAQUE_MARKER} file`, `replaced/${WHITEOUT_PREFIX}old file`].some((form) => replacedWhiteouts.join() === form),
    `a replaced directory is opaque or whites out what it held, not: ${replacedWhiteouts.join(', ') || '(nothing)'}`,
  );
  t.true(entries.some((h) => h.name === 'replaced' && h.type === 'directory' && h.mode === 0o700), 'the opaque directory itself is in the diff');
  const ownXattrs = entries.flatMap((h) => [...h.xattrs.keys()].filter((name) => name.startsWith('trusted.overlay.')).map((name) => `${h.name}: ${name}`));
  t.deepEqual(ownXattrs, [], "no overlay xattr leaves the driver");
  t.deepEqual([...(entries.find((h) => h.name === 'keep/b')?.xattrs.keys() ?? [])], ['user.note'], 'user xattrs are kept');

  await driver.create('copy', 'base', RW);
  await driver.applyDiff('copy', 'base', driver.diff('upper', 'base'));
  await assertSameLayers(ctx, 'upper', 'copy', 'the diff applied on the same parent');
};

/** The mount points under this case's root (other cases mount elsewhere at the same time). */
function mountsUnder(ctx: DriverContext): string[] {
  return mountPoints().filter((m) => m.startsWith(`${ctx.root}/`));
}

const readonlyLayer: DriverCase = async (ctx) => {
  const { t, driver } = ctx;
  await createBase(ctx, 'base');
  await driver.create('ro', 'base', { readonly: true });
  await withMounted(ctx, 'ro', (dir) => {
    verifyBase(ctx, dir);
    const error = t.throws(() => fs.writeFileSync(`${dir}/new`, 'x'));
    t.is(error !== undefined && 'code' in error ? error.code : undefined, 'EROFS', 'a readonly layer refuses writes with EROFS');
  });
};

const mountCounting: DriverCase = async (ctx) => {
  const { t, driver } = ctx;
  await createBase(ctx, 'base');
  await driver.create('child', 'base', RW);
  const before = mountsUnder(ctx);
  const first = await ctx.mount('child');
  const second = await ctx.mount('child');
  t.is(second, first, 'mounting twice gives the same path');
  t.true(mountsUnder(ctx).includes(first), 'a mount shows in the mount table');
  await ctx.unmount('child');
  t.true(mountsUnder(ctx).includes(first), 'one unmount of two leaves it mounted');
  verifyBase(ctx, first);
  await ctx.unmount('child');
  t.false(mountsUnder(ctx).includes(first), 'the last unmount takes the mount away');
  t.deepEqual(mountsUnder(ctx), before, 'n mounts and n unmounts leave the mount table as it was');
};

const mountsAreData: DriverCase = async (ctx) => {
  const { t, driver } = ctx;
  await createBase(ctx, 'base');
  await driver.create('child', 'base', RW);
  const before = mountsUnder(ctx);
  const mounts = driver.mounts('child');
  t.true(mounts.length > 0);
  t.deepEqual(driver.mounts('child'), mounts, 'mounts() is stable');
  t.deepEqual(mountsUnder(ctx), before, 'mounts() performs nothing');
};

const MiB = 1024 * 1024;
/** What a filesystem may charge beyond a file's bytes, or for an empty directory. */
const SLACK_BYTES = 64 * 1024;

/** create() never copies the parent's files, and usage() counts a layer alone. */
const usageOfLayerAlone: DriverCase = async (ctx) => {
  const { t, driver } = ctx;
  await driver.create('base', undefined, RW);
  await withMounted(ctx, 'base', (dir) => fs.writeFileSync(`${dir}/big`, Buffer.alloc(MiB, 'b')));
  const base = await driver.usage('base');
  t.true(base.size >= MiB && base.size < MiB + SLACK_BYTES, `a layer with a 1 MiB file uses 1 MiB (${JSON.stringify(base)})`);
  await driver.create('child', 'base', RW);
  const child = await driver.usage('child');
  t.true(child.size < SLACK_BYTES && child.inodes <= 1, `a new child holds nothing of its parent (${JSON.stringify(child)})`);
  await withMounted(ctx, 'child', (dir) => fs.writeFileSync(`${dir}/small`, 'small'));
  t.is((await driver.usage('child')).inodes, child.inodes + 1, 'a file written in the child counts one inode there');
  t.deepEqual(await driver.usage('base'), base, "the parent's usage does not change");
};

const removeUnknown: DriverCase = async (ctx) => {
  await ctx.driver.remove('never-created');
  ctx.t.false(ctx.driver.exists('never-created'));
};

const driverCases = {
  CreateEmpty: ['an empty layer mounts as an empty 0755 directory and is gone after remove', createEmpty],
  CreateBase: ['a base layer keeps special modes and owners', createBaseCase],
  CreateSnap: ["a child layer sees its parent's files with their modes and owners", createSnap],
  DeepLayerRead: ['a chain of 128 layers reads every layer back from the top', deepLayerRead(128)],
  DiffApply: ["a layer's diff applied on the same parent gives the same tree", diffApply(10)],
  DiffIsOci: ['a diff speaks OCI whiteouts only and applies back to the same tree', diffIsOci],
  Changes: ['changes lists modified, added and deleted paths in canonical order', changesCase],
  ReadonlyLayer: ['a layer created readonly mounts read-only (EROFS)', readonlyLayer],
  MountCounting: ['n mounts need n unmounts, and the path stays the same', mountCounting],
  MountsAreData: ['mounts() describes the mount without performing it', mountsAreData],
  UsageOfLayerAlone: ["a child layer starts empty: usage counts a layer's own files, never its parent's", usageOfLayerAlone],
  RemoveUnknown: ['removing a layer the driver does not have succeeds', removeUnknown],
} satisfies Record<string, [string, DriverCase]>;

export type DriverCaseName = keyof typeof driverCases;

/** Registers one ava test per driver case, as snapshotterSuite does; titles say `driver ›` after the driver's name. */
export function driverSuite(driverName: string, open: OpenDriver, unsupported: Partial<Record<DriverCaseName, string>> = {}): void {
  registerCases(`${driverName} › driver`, driverCases, unsupported, (t, run) => runDriverCase(t, open, run));
}
