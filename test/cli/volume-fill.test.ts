import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { lgetxattr } from '@layerctl/sys';
import { busyboxTarForFile } from './busybox-tar.ts';
import { containersScratch } from './containers-scratch.ts';
import { records, parseJson } from './json-output.ts';
import { must } from './snapshot-scratch.ts';

const busyboxTar = busyboxTarForFile(test);

/** The image's initial data: what a new volume at /srv/db must start with. */
const DB_DIR = 'srv/db';
const DB_UID = 1000;
const DB_GID = 1001;
/** 2001-09-09T01:46:40Z: a time no copy made now could have by chance. */
const OLD_TIME = 1_000_000_000;

/**
 * busybox plus /srv/db (owner 1000:1001, 0750) holding a file with an xattr, a hardlink to it, a
 * symlink, a subdirectory and a setgid directory; /srv/alias -> /srv/db; /srv/escape -> `hostDir`
 * (absolute, as a host path); /srv/plain, a file. Packed with GNU tar, owners and xattrs kept.
 */
function dataImage(dir: string, hostDir: string): string {
  const stage = path.join(dir, 'stage');
  fs.mkdirSync(stage);
  execFileSync('tar', ['-xf', busyboxTar(), '-C', stage]);
  const db = path.join(stage, DB_DIR);
  fs.mkdirSync(path.join(db, 'conf'), { recursive: true });
  fs.mkdirSync(path.join(db, 'shared'));
  fs.writeFileSync(path.join(db, 'init.sql'), 'CREATE TABLE t;\n');
  fs.linkSync(path.join(db, 'init.sql'), path.join(db, 'init-link.sql'));
  fs.writeFileSync(path.join(db, 'conf', 'db.conf'), 'port=5432\n');
  fs.symlinkSync('init.sql', path.join(db, 'latest'));
  execFileSync('setfattr', ['-n', 'user.origin', '-v', 'image', path.join(db, 'init.sql')]);
  for (const entry of ['init.sql', 'conf/db.conf', 'conf', 'shared', '.']) fs.chownSync(path.join(db, entry), DB_UID, DB_GID);
  fs.chmodSync(path.join(db, 'init.sql'), 0o640);
  fs.chmodSync(path.join(db, 'shared'), 0o2775);
  fs.chmodSync(db, 0o750);
  for (const entry of ['init.sql', 'conf/db.conf', 'conf', 'shared', '.']) fs.utimesSync(path.join(db, entry), OLD_TIME, OLD_TIME);
  fs.symlinkSync('/srv/db', path.join(stage, 'srv/alias'));
  fs.symlinkSync(hostDir, path.join(stage, 'srv/escape'));
  fs.writeFileSync(path.join(stage, 'srv/plain'), 'a file\n');
  const tar = path.join(dir, 'data.tar');
  execFileSync('tar', ['--xattrs', '--xattrs-include=*', '-cf', tar, '-C', stage, '.']);
  fs.rmSync(stage, { recursive: true });
  return tar;
}

/** A scratch root with busybox and the data image (`data`), and a host directory holding a sentinel file. */
async function fillScratch(t: ExecutionContext) {
  const scratch = await containersScratch(t, busyboxTar());
  const hostDir = path.join(scratch.dir, 'host-dir');
  fs.mkdirSync(hostDir);
  fs.writeFileSync(path.join(hostDir, 'sentinel'), 'host only\n');
  await must(t, scratch.layerctl, ['import', dataImage(scratch.dir, hostDir), 'data']);
  const mountpoint = async (name: string): Promise<string> => {
    const [volume] = records(parseJson(await must(t, scratch.layerctl, ['volume', 'inspect', name])));
    return String(volume?.['Mountpoint']);
  };
  return { ...scratch, hostDir, mountpoint };
}

test('a new named volume starts with the image files at its path: owner, mode, times, xattrs, symlinks and hardlinks kept', async (t) => {
  const { run, mountpoint } = await fillScratch(t);
  const result = await run(['--rm', '-v', 'dbdata:/srv/db', 'data', 'sh', '-c', 'cat /srv/db/init.sql /srv/db/conf/db.conf; ls /srv/db']);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, 'CREATE TABLE t;\nport=5432\nconf\ninit-link.sql\ninit.sql\nlatest\nshared\n');
  const data = await mountpoint('dbdata');
  const root = fs.lstatSync(data);
  t.deepEqual([root.uid, root.gid, root.mode & 0o7777, root.mtimeMs / 1000], [DB_UID, DB_GID, 0o750, OLD_TIME], 'the volume root takes the image directory metadata');
  const file = fs.lstatSync(path.join(data, 'init.sql'));
  t.deepEqual([file.uid, file.gid, file.mode & 0o7777, file.mtimeMs / 1000, file.nlink], [DB_UID, DB_GID, 0o640, OLD_TIME, 2]);
  t.is(fs.lstatSync(path.join(data, 'init-link.sql')).ino, file.ino, 'a hardlink stays a hardlink');
  t.is(fs.readlinkSync(path.join(data, 'latest')), 'init.sql');
  t.is(lgetxattr(path.join(data, 'init.sql'), 'user.origin')?.toString(), 'image');
  t.is(fs.lstatSync(path.join(data, 'shared')).mode & 0o7777, 0o2775);
  t.is(fs.lstatSync(path.join(data, 'conf')).mtimeMs / 1000, OLD_TIME, 'a directory keeps its time after its contents are written');
});

test('a volume that holds data is never filled, and a filled one is not filled again', async (t) => {
  const { layerctl, run, mountpoint } = await fillScratch(t);
  await must(t, layerctl, ['volume', 'create', 'kept']);
  fs.writeFileSync(path.join(await mountpoint('kept'), 'mine'), 'mine\n');
  const kept = await run(['--rm', '-v', 'kept:/srv/db', 'data', 'ls', '/srv/db']);
  t.is(kept.stdout, 'mine\n', kept.stderr);
  const changed = await run(['--rm', '-v', 'db:/srv/db', 'data', 'sh', '-c', 'rm /srv/db/init.sql && echo new > /srv/db/conf/db.conf']);
  t.is(changed.code, 0, changed.stderr);
  const again = await run(['--rm', '-v', 'db:/srv/db', 'data', 'sh', '-c', 'ls /srv/db; cat /srv/db/conf/db.conf']);
  t.is(again.stdout, 'conf\ninit-link.sql\nlatest\nshared\nnew\n', 'the second container sees the first one changes, not the image files');
});

test('a bind mount is never filled from the image', async (t) => {
  const { dir, run } = await fillScratch(t);
  const bind = path.join(dir, 'bind');
  fs.mkdirSync(bind);
  const result = await run(['--rm', '-v', `${bind}:/srv/db`, 'data', 'ls', '/srv/db']);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, '');
  t.deepEqual(fs.readdirSync(bind), []);
});

test('the destination resolves inside the image: a symlink to an image directory fills from it, one to a host path copies nothing of the host', async (t) => {
  const { run, mountpoint, hostDir } = await fillScratch(t);
  const alias = await run(['--rm', '-v', 'alias:/srv/alias', 'data', 'true']);
  t.is(alias.code, 0, alias.stderr);
  t.deepEqual(fs.readdirSync(await mountpoint('alias')).sort(), ['conf', 'init-link.sql', 'init.sql', 'latest', 'shared']);
  const escape = await run(['--rm', '-v', 'escape:/srv/escape', 'data', 'ls', '/srv/escape']);
  t.is(escape.code, 0, escape.stderr);
  t.is(escape.stdout, '');
  t.deepEqual(fs.readdirSync(await mountpoint('escape')), [], 'the host directory the symlink names is not copied');
  t.deepEqual(fs.readdirSync(hostDir), ['sentinel']);
  t.is(fs.readFileSync(path.join(hostDir, 'sentinel'), 'utf8'), 'host only\n');
});

test('a path the image lacks leaves the new volume empty', async (t) => {
  const { run, mountpoint } = await fillScratch(t);
  const missing = await run(['--rm', '-v', 'fresh:/srv/none', 'data', 'ls', '/srv/none']);
  t.is(missing.code, 0, missing.stderr);
  t.deepEqual(fs.readdirSync(await mountpoint('fresh')), []);
});

test('a read-only volume is filled too, and nocopy leaves a new volume empty', async (t) => {
  const { run, mountpoint } = await fillScratch(t);
  const readonly = await run(['--rm', '-v', 'ro-db:/srv/db:ro', 'data', 'cat', '/srv/db/init.sql']);
  t.is(readonly.stdout, 'CREATE TABLE t;\n', readonly.stderr);
  const nocopy = await run(['--rm', '-v', 'empty-db:/srv/db:nocopy', 'data', 'ls', '/srv/db']);
  t.is(nocopy.code, 0, nocopy.stderr);
  t.is(nocopy.stdout, '');
  t.deepEqual(fs.readdirSync(await mountpoint('empty-db')), []);
  const later = await run(['--rm', '-v', 'empty-db:/srv/db', 'data', 'ls', '/srv/db']);
  t.is(later.stdout, 'conf\ninit-link.sql\ninit.sql\nlatest\nshared\n', 'still empty, the volume is filled by the next container that mounts it without nocopy');
});
