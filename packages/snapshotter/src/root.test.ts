import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { FailedPreconditionError, SysError } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { sha256Digest } from './content/digest.ts';
import { openRoot } from './root.ts';
import { tempName, tempNameOwner } from './temp-name.ts';
import { deadPid } from './testing/dead-pid.ts';

test('openRoot creates content, tmp and metadata.db, private to root', (t) => {
  const dir = path.join(scratchDir(t), 'root');
  const root = openRoot(dir);
  t.teardown(() => root.close());
  for (const folder of [dir, path.join(dir, 'content'), path.join(dir, 'tmp')]) t.is(fs.statSync(folder).mode & 0o777, 0o700, folder);
  t.true(fs.existsSync(path.join(dir, 'metadata.db')));
  t.true(fs.existsSync(path.join(dir, 'content', 'oci-layout')));
  t.is(root.tmpDir, path.join(dir, 'tmp'));
  t.is(root.content.tmpDir, root.tmpDir, 'ingest scratch is on the same filesystem as the blobs');
});

test('openRoot on an existing root keeps its blobs and names', async (t) => {
  const dir = scratchDir(t);
  const first = openRoot(dir);
  const info = await first.content.ingest((async function* () { yield Buffer.from('kept'); })());
  first.metadata.write((db) => db.prepare("INSERT INTO settings (key, value) VALUES ('k', 'v')").run());
  first.close();
  const second = openRoot(dir);
  t.teardown(() => second.close());
  t.deepEqual(second.content.list(), [sha256Digest('kept')]);
  t.is(info.digest, sha256Digest('kept'));
  t.is(second.metadata.read((db) => db.prepare('SELECT value FROM settings').get()?.['value']), 'v');
});

test('openRoot sweeps tmp files of dead processes and keeps those of live ones', (t) => {
  const dir = scratchDir(t);
  openRoot(dir).close();
  const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.teardown(() => sleeper.kill('SIGKILL'));
  if (sleeper.pid === undefined) throw new FailedPreconditionError('could not run sleep(1)');
  const tmp = path.join(dir, 'tmp');
  const dead = tempName('ingest', deadPid());
  const deadFolder = tempName('unpack', deadPid());
  const live = tempName('ingest', sleeper.pid);
  const mine = tempName('ingest');
  const foreign = 'not-ours.partial';
  for (const name of [dead, live, mine, foreign]) fs.writeFileSync(path.join(tmp, name), 'partial');
  fs.mkdirSync(path.join(tmp, deadFolder, 'usr', 'bin'), { recursive: true });
  openRoot(dir).close();
  t.deepEqual(fs.readdirSync(tmp).sort(), [live, mine, foreign].sort());
});

test('temp names carry their owner pid', (t) => {
  t.is(tempNameOwner(tempName('ingest')), process.pid);
  t.is(tempNameOwner(tempName('apply-layer', 4242)), 4242);
  t.is(tempNameOwner('ingest-12'), undefined);
  t.is(tempNameOwner('random.tmp'), undefined);
});

test('openRoot where no directory can be made fails naming it, instead of looping in Node', (t) => {
  t.throws(() => openRoot('/proc/layerctl-no-such-root/root'), { instanceOf: SysError, message: 'mkdir /proc/layerctl-no-such-root: ENOENT' });
});
