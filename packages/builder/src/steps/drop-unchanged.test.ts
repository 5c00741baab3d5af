import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { scratchDir } from '@layerctl/sys/testing';
import { packTree, readTar } from '@layerctl/snapshotter';
import { dropUnchanged } from './drop-unchanged.ts';

/** The entry names (and for files, contents) of a tar. */
async function entries(tar: AsyncIterable<Buffer>): Promise<string[]> {
  const names: string[] = [];
  for await (const { header, body } of readTar(tar)) {
    let content = '';
    for await (const chunk of body) content += chunk.toString();
    names.push(header.type === 'file' ? `${header.name}=${content}` : `${header.name}/`);
  }
  return names;
}

/** A parent tree and a "layer" tree: the layer holds copies of parent entries, changed or not. */
function trees(t: Parameters<typeof scratchDir>[0]): { parent: string; layer: string } {
  const dir = scratchDir(t);
  const parent = path.join(dir, 'parent');
  const layer = path.join(dir, 'layer');
  for (const root of [parent, layer]) {
    fs.mkdirSync(path.join(root, 'app'), { recursive: true });
    fs.writeFileSync(path.join(root, 'app/same.sh'), 'echo same\n', { mode: 0o755 });
    fs.writeFileSync(path.join(root, 'app/edited.txt'), 'aaaa\n');
    fs.writeFileSync(path.join(root, 'app/chmodded.sh'), 'echo x\n', { mode: 0o644 });
  }
  fs.writeFileSync(path.join(layer, 'app/edited.txt'), 'bbbb\n');
  fs.chmodSync(path.join(layer, 'app/chmodded.sh'), 0o755);
  fs.writeFileSync(path.join(layer, 'app/new.txt'), 'new\n');
  const when = new Date('2024-01-01T00:00:00Z');
  for (const root of [parent, layer]) {
    for (const file of ['app/same.sh', 'app/edited.txt', 'app/chmodded.sh', 'app']) fs.utimesSync(path.join(root, file), when, when);
  }
  return { parent, layer };
}

test('entries the parent already has as they are are dropped; changed content, mode and new files stay', async (t) => {
  const { parent, layer } = trees(t);
  t.deepEqual(await entries(dropUnchanged(packTree(layer), parent)), ['app/chmodded.sh=echo x\n', 'app/edited.txt=bbbb\n', 'app/new.txt=new\n']);
});

test('a directory whose mtime changed (an entry was added) stays', async (t) => {
  const { parent, layer } = trees(t);
  fs.utimesSync(path.join(layer, 'app'), new Date(), new Date());
  t.deepEqual((await entries(dropUnchanged(packTree(layer), parent)))[0], 'app/');
});

test('an entry the parent lacks or has as another type stays', async (t) => {
  const { parent, layer } = trees(t);
  fs.rmSync(path.join(parent, 'app/same.sh'));
  fs.mkdirSync(path.join(parent, 'app/same.sh'));
  const kept = await entries(dropUnchanged(packTree(layer), parent));
  t.true(kept.includes('app/same.sh=echo same\n'));
});
