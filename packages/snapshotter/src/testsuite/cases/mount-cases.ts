import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { NotFoundError } from '@layerctl/sys';
import { applyOps, createDir, createFile, mknodAt, type FileOp } from '../file-ops.ts';
import { checkLayers } from '../layer-chain.ts';
import type { Case, SuiteContext } from '../suite-context.ts';

/** Cases about what a process sees through a mounted snapshot: permissions, inodes, sockets, usage. */

const MiB = 1024 * 1024;
/** What a filesystem may charge beyond the bytes of a file, or for an empty directory. */
const SLACK_BYTES = 64 * 1024;

async function committedBase(ctx: SuiteContext, ops: FileOp[]): Promise<void> {
  const target = ctx.mount(await ctx.snapshotter.prepare('base-active', undefined));
  applyOps(target, ops);
  ctx.unmount(target);
  await ctx.snapshotter.commit('base', 'base-active');
}

function errnoOf(fn: () => void): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof Error && 'code' in err && typeof err.code === 'string') return err.code;
    throw err;
  }
  return undefined;
}

export const viewReadonly: Case = async (ctx) => {
  const { t, snapshotter } = ctx;
  await committedBase(ctx, [createFile('/foo', 'content', 0o644), createDir('/dir', 0o777)]);
  const view = ctx.mount(await snapshotter.view('view', 'base'));
  t.is(errnoOf(() => fs.writeFileSync(`${view}/testfile`, 'x')), 'EROFS', 'creating a file in a view');
  t.is(errnoOf(() => fs.appendFileSync(`${view}/foo`, 'more')), 'EROFS', 'writing a file of a view');
  t.is(errnoOf(() => fs.mkdirSync(`${view}/dir/sub`)), 'EROFS', 'creating a directory in a view');
  t.is(errnoOf(() => fs.unlinkSync(`${view}/foo`)), 'EROFS', 'removing a file of a view');
  t.is(errnoOf(() => fs.chmodSync(`${view}/foo`, 0o600)), 'EROFS', 'chmod in a view');
  t.is(fs.readFileSync(`${view}/foo`, 'utf8'), 'content');
};

export const rootPermission: Case = async (ctx) => {
  const { t, snapshotter } = ctx;
  const base = ctx.mount(await snapshotter.prepare('base-active', undefined));
  t.is(fs.statSync(base).mode & 0o7777, 0o755, 'the root of a base snapshot is 0755 under umask 0');
  ctx.unmount(base);
  await snapshotter.commit('base', 'base-active');
  const child = ctx.mount(await snapshotter.prepare('child', 'base'));
  t.is(fs.statSync(child).mode & 0o7777, 0o755, 'the root of a child snapshot is 0755');
};

export const usage: Case = async (ctx) => {
  const { t, snapshotter } = ctx;
  await snapshotter.prepare('empty', undefined);
  const empty = await snapshotter.usage('empty');
  t.true(empty.size < SLACK_BYTES && empty.inodes <= 1, `an empty layer uses next to nothing (${JSON.stringify(empty)})`);

  const target = ctx.mount(await snapshotter.prepare('big', undefined));
  fs.writeFileSync(`${target}/big`, Buffer.alloc(MiB, 'x'));
  ctx.unmount(target);
  const active = await snapshotter.usage('big');
  t.true(active.size >= empty.size + MiB && active.size < empty.size + MiB + SLACK_BYTES, `a 1 MiB file counts 1 MiB (${JSON.stringify(active)})`);
  t.is(active.inodes, empty.inodes + 1, 'a file counts one inode');
  await snapshotter.commit('big-committed', 'big');
  t.deepEqual(await snapshotter.usage('big-committed'), active, 'commit keeps the usage');

  await snapshotter.prepare('child', 'big-committed');
  t.deepEqual(await snapshotter.usage('child'), empty, "a child does not count its parent's files");
  await t.throwsAsync(snapshotter.usage('missing'), { instanceOf: NotFoundError });
};

/** A socket is bound and used inside a mounted snapshot, and a socket entry survives commit (the oracle checks it). */
export const unixDomainSockets: Case = async (ctx) => {
  const { t, snapshotter } = ctx;
  await committedBase(ctx, [createDir('/run', 0o755)]);
  const target = ctx.mount(await snapshotter.prepare('child', 'base'));
  const path = `${target}/run/s`;
  const server = net.createServer((socket) => socket.end('pong'));
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(path, resolve));
  try {
    t.true(fs.lstatSync(path).isSocket(), 'binding makes a socket entry in the snapshot');
    const reply = await new Promise<string>((resolve, reject) => {
      const client = net.connect(path);
      let data = '';
      client.on('data', (chunk) => (data += chunk.toString())).on('end', () => resolve(data)).on('error', reject);
    });
    t.is(reply, 'pong', 'a client connects through the mounted snapshot');
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  ctx.unmount(target);
  await snapshotter.remove('child');
  await checkLayers(ctx, [[createDir('/run', 0o755), mknodAt('/run/bound', 'socket', 0o777)], [mknodAt('/run/another', 'socket', 0o755)]]);
};

export const directoryInodeStability: Case = async (ctx) => {
  const { t, snapshotter } = ctx;
  await committedBase(ctx, [createDir('/dir', 0o755), createDir('/dir/sub', 0o755), createFile('/dir/sub/f', 'f', 0o644)]);
  const target = ctx.mount(await snapshotter.prepare('child', 'base'));
  const before = fs.statSync(`${target}/dir/sub`).ino;
  const parentBefore = fs.statSync(`${target}/dir`).ino;
  fs.writeFileSync(`${target}/dir/sub/new`, 'new');
  t.is(fs.statSync(`${target}/dir/sub`).ino, before, 'a lower directory keeps its inode number when written into');
  t.is(fs.statSync(`${target}/dir`).ino, parentBefore, 'and so does its parent');
  t.is(fs.statSync(`${target}/dir/sub/.`).ino, before, "'.' agrees");
  t.is(fs.statSync(`${target}/dir/sub/..`).ino, parentBefore, "'..' agrees");
};

export const openFileInodeStability: Case = async (ctx) => {
  const { t, snapshotter } = ctx;
  await committedBase(ctx, [createFile('/f', 'lower', 0o644)]);
  const target = ctx.mount(await snapshotter.prepare('child', 'base'));
  const fd = fs.openSync(`${target}/f`, 'r');
  try {
    const before = fs.fstatSync(fd).ino;
    fs.writeFileSync(`${target}/f`, 'upper!');
    t.is(fs.statSync(`${target}/f`).ino, before, 'a file keeps its inode number when written (copied up)');
    t.is(fs.fstatSync(fd).ino, before, 'a descriptor opened before the write agrees');
    const buf = Buffer.alloc(16);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    t.is(buf.subarray(0, n).toString(), 'upper!', 'a descriptor opened before the write reads the new content');
  } finally {
    fs.closeSync(fd);
  }
};

export const getCwd: Case = async (ctx) => {
  const { t, snapshotter } = ctx;
  await committedBase(ctx, [createDir('/a', 0o755), createDir('/a/b', 0o755)]);
  const target = ctx.mount(await snapshotter.prepare('child', 'base'));
  fs.mkdirSync(`${target}/a/b/c`);
  for (const dir of ['a', 'a/b', 'a/b/c']) {
    // /bin/pwd -P prints what getcwd(2) returns, from a process whose cwd is inside the mount.
    const pwd = spawnSync('/bin/pwd', ['-P'], { cwd: `${target}/${dir}`, encoding: 'utf8' });
    t.is(pwd.status, 0, pwd.stderr);
    t.is(pwd.stdout.trim(), fs.realpathSync(`${target}/${dir}`), `getcwd in ${dir}`);
  }
};
