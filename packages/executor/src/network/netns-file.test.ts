import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { LayerctlError } from '@layerctl/sys';
import { createNetnsFile, ipInNetns, removeNetnsFile } from './netns-file.ts';
import { runNetworkTool } from './network-tool.ts';

const threadNetns = (): number => fs.statSync('/proc/thread-self/ns/net').ino;

function scratchNetns(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync('/dev/shm/layerctl-test-');
  const file = path.join(dir, 'netns', 'c1');
  t.teardown(() => {
    removeNetnsFile(file);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return file;
}

test('a netns file holds a namespace of its own with lo up, and the calling thread stays in the host namespace', (t) => {
  const home = threadNetns();
  const file = scratchNetns(t);
  createNetnsFile(file);
  t.is(threadNetns(), home);
  t.not(fs.statSync(file).ino, home, 'the file holds another namespace');
  const inside = runNetworkTool('nsenter', [`--net=${file}`, 'ip', '-o', 'link', 'show']);
  t.regex(inside, /^1: lo: <[^>]*\bUP\b/);
  t.is(inside.trim().split('\n').length, 1, 'only lo');
});

test('ip commands run inside the namespace, and a failed one still brings the thread home', (t) => {
  const home = threadNetns();
  const file = scratchNetns(t);
  createNetnsFile(file);
  ipInNetns(file, ['addr add 10.250.0.9/32 dev lo']);
  t.regex(runNetworkTool('nsenter', [`--net=${file}`, 'ip', '-o', 'addr', 'show', 'dev', 'lo']), /10\.250\.0\.9\/32/);
  t.notRegex(runNetworkTool('ip', ['-o', 'addr', 'show', 'dev', 'lo']), /10\.250\.0\.9/, 'not on the host');
  t.throws(() => ipInNetns(file, ['link set dev no-such-link up']), { instanceOf: LayerctlError });
  t.is(threadNetns(), home);
});

test('a second netns file on a taken path is refused, and removing it unmounts and deletes it', (t) => {
  const home = threadNetns();
  const file = scratchNetns(t);
  createNetnsFile(file);
  t.throws(() => createNetnsFile(file), { code: 'EEXIST' });
  removeNetnsFile(file);
  t.false(fs.existsSync(file));
  t.is(threadNetns(), home);
});
