import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { scratchDir } from '@layerctl/sys/testing';
import { CHECKOUT, runLayerctl } from './run-layerctl.ts';

const PACKAGE_VERSION: unknown = JSON.parse(fs.readFileSync(path.join(CHECKOUT, 'packages/layerctl/package.json'), 'utf8')).version;
const RECORDER = path.join(import.meta.dirname, 'record-loaded-modules.ts');

/**
 * The modules a command line loads, recorded by record-loaded-modules.ts. From the sources: the
 * bundle keeps the same lazy structure in its chunks, whose names say less.
 */
async function loadedModules(t: ExecutionContext, args: string[]) {
  const log = path.join(scratchDir(t), 'loaded.txt');
  const env = { LAYERCTL_LOADED_MODULES: log, LAYERCTL_FROM_SOURCE: '1' };
  const result = await runLayerctl(args, { nodeArgs: ['--import', RECORDER], env });
  return { result, modules: fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : [] };
}

test('--version prints the version of packages/layerctl', async (t) => {
  const result = await runLayerctl(['--version']);
  t.is(result.code, 0);
  t.is(result.stdout, `${String(PACKAGE_VERSION)}\n`);
  t.is(result.stderr, '');
});

test('--version loads neither yargs nor a command, the snapshotter, koffi or node:sqlite', async (t) => {
  const { result, modules } = await loadedModules(t, ['--root', '/nonexistent', '--version']);
  t.is(result.code, 0);
  t.true(modules.some((url) => url.endsWith('/packages/layerctl/src/main.ts')), 'the recorder saw main.ts load');
  const heavy = modules.filter((url) => /yargs|koffi|node:sqlite|\/snapshotter\/|\/commands\/|zstd/.test(url));
  t.deepEqual(heavy, []);
});

test('a command loads its own module and no other command', async (t) => {
  const { result, modules } = await loadedModules(t, ['tag', '--help']);
  t.is(result.code, 0);
  const commands = modules.filter((url) => url.includes('/packages/layerctl/src/commands/') && !url.endsWith('/index.ts') && !url.endsWith('/command-args.ts'));
  t.deepEqual(commands.map((url) => path.basename(url)), ['tag.ts']);
  t.false(modules.some((url) => url.includes('/snapshotter/')), '--help of a command does not open the store');
});

test('--help lists every command and exits 0', async (t) => {
  const result = await runLayerctl(['--help']);
  t.is(result.code, 0);
  for (const name of ['import', 'images', 'inspect', 'history', 'tag', 'rmi', 'save', 'load', 'gc', 'snapshot', 'info']) {
    t.regex(result.stdout, new RegExp(`layerctl ${name}\\b`));
  }
});

test('an unknown command exits 2 with one line that suggests the nearest command', async (t) => {
  const result = await runLayerctl(['imagse']);
  t.is(result.code, 2);
  t.is(result.stdout, '');
  t.is(result.stderr, 'layerctl: unknown command "imagse"; did you mean "images"?\n');
});

test('an unknown option exits 2 with one line', async (t) => {
  const result = await runLayerctl(['images', '--bogus']);
  t.is(result.code, 2);
  t.is(result.stderr.split('\n').length, 2, result.stderr);
  t.regex(result.stderr, /^layerctl: .*bogus/);
});

test('a missing operand exits 2 with one line', async (t) => {
  const result = await runLayerctl(['tag', 'only-one']);
  t.is(result.code, 2);
  t.regex(result.stderr, /^layerctl: [^\n]+\n$/);
});

test('no command prints the help on stderr and exits 2', async (t) => {
  const result = await runLayerctl([]);
  t.is(result.code, 2);
  t.is(result.stdout, '');
  t.regex(result.stderr, /Commands:/);
});

test('an invalid --driver exits 2', async (t) => {
  const result = await runLayerctl(['--driver', 'zfs', 'images']);
  t.is(result.code, 2);
  t.regex(result.stderr, /^layerctl: .*driver.*\n$/);
});

test('a command runs from the bundle in dist/, and from the sources with LAYERCTL_FROM_SOURCE=1', async (t) => {
  const log = path.join(scratchDir(t), 'loaded.txt');
  const bundled = await runLayerctl(['tag', '--help'], { nodeArgs: ['--import', RECORDER], env: { LAYERCTL_LOADED_MODULES: log } });
  t.is(bundled.code, 0, bundled.stderr);
  const modules = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
  t.true(modules.some((url) => /\/packages\/layerctl\/dist\/build-[^/]+\/main\.js$/.test(url)), 'main.js of a build in dist/');
  t.false(modules.some((url) => url.endsWith('.ts')), 'no TypeScript source loads');
  const fromSource = await loadedModules(t, ['tag', '--help']);
  t.true(fromSource.modules.some((url) => url.endsWith('/packages/layerctl/src/main.ts')));
  t.is(fromSource.result.stdout, bundled.stdout);
});
