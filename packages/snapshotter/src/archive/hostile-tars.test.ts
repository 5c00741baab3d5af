import fs from 'node:fs';
import test from 'ava';
import { InvalidArgumentError } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { applyLayer } from './apply-layer.ts';
import { writeTar } from './tar/index.ts';
import { diffFacts, treeFacts } from './testdata/compare-trees.ts';
import { hostileTars, SENTINEL, SENTINEL_DIR, type HostileScene, type HostileTar } from './testdata/hostile-tars.ts';

process.umask(0);

/** Everything outside the target, down to ctimes and link counts: a chmod, chown, link or xattr there shows. */
function outside(scratch: string): Map<string, string> {
  const facts = treeFacts(scratch, { exclude: ['target'], ctime: true });
  const self = fs.lstatSync(scratch, { bigint: true });
  facts.set('(scratch dir itself)', `mode=${self.mode} owner=${self.uid}:${self.gid} mtime=${self.mtimeNs} ctime=${self.ctimeNs} nlink=${self.nlink}`);
  return facts;
}

function typeAt(path: string): string {
  const stat = fs.lstatSync(path, { throwIfNoEntry: false });
  if (stat === undefined) return 'absent';
  if (stat.isSymbolicLink()) return 'symlink';
  if (stat.isDirectory()) return 'directory';
  return stat.isFile() ? 'file' : 'other';
}

function run(name: string, hostile: HostileTar): void {
  test(`hostile tar: ${name}`, async (t) => {
    const scratch = scratchDir(t);
    const scene: HostileScene = { target: `${scratch}/target`, sentinel: `${scratch}/${SENTINEL}` };
    fs.mkdirSync(scene.target);
    fs.writeFileSync(scene.sentinel, 'sentinel\n', { mode: 0o644 });
    fs.mkdirSync(`${scratch}/${SENTINEL_DIR}`, { mode: 0o755 });
    fs.writeFileSync(`${scratch}/${SENTINEL_DIR}/inside`, 'sentinel\n');
    if (hostile.lower !== undefined) await applyLayer(scene.target, writeTar(hostile.lower(scene)));
    const before = outside(scratch);

    const expected = hostile.expect(scene);
    if ('refused' in expected) {
      const err = await t.throwsAsync(applyLayer(scene.target, hostile.layer(scene)), { instanceOf: InvalidArgumentError });
      const prefix = expected.by === 'reader' ? 'tar entry' : 'layer entry';
      t.true(err?.message.startsWith(`${prefix} ${JSON.stringify(expected.refused)}`), err?.message);
    } else {
      await applyLayer(scene.target, hostile.layer(scene));
      for (const [path, type] of Object.entries(expected.contained)) t.is(typeAt(`${scene.target}/${path}`), type, path);
    }

    t.deepEqual(diffFacts(before, outside(scratch)), [], 'nothing outside the target appeared or changed');
    t.is(fs.readFileSync(scene.sentinel, 'utf8'), 'sentinel\n');
  });
}

for (const [name, hostile] of Object.entries(hostileTars)) run(name, hostile);
