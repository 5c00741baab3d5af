import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import test from 'ava';
import { isFresh } from '../../bin/bundled-entry.js';
import { buildBundle } from './build-bundle.ts';
import { type BuildRecord, CURRENT_FILE, PACKAGE_DIR } from './bundle-layout.ts';
import { pruneBuilds } from './prune-builds.ts';

function scratch(t: { teardown: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync('/dev/shm/layerctl-test-bundle-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function readRecord(distDir: string): BuildRecord {
  const record: unknown = JSON.parse(fs.readFileSync(path.join(distDir, CURRENT_FILE), 'utf8'));
  if (typeof record !== 'object' || record === null || !('build' in record) || !('startedAt' in record) || !('inputs' in record)) {
    throw new TypeError('current.json lacks build, startedAt or inputs');
  }
  const { build, startedAt, inputs } = record;
  if (typeof build !== 'string' || typeof startedAt !== 'number' || !Array.isArray(inputs)) throw new TypeError('current.json has wrong types');
  return { build, startedAt, inputs: inputs.map(String) };
}

test('a bundle runs the command line and records every source it was made from', async (t) => {
  const dist = scratch(t);
  const entry = await buildBundle(dist);
  const script = `const { main } = await import(${JSON.stringify(pathToFileURL(entry).href)}); process.exitCode = await main(['--help']);`;
  const help = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  t.regex(help, /layerctl build/);
  const record = readRecord(dist);
  t.is(path.join(dist, record.build, 'main.js'), entry);
  for (const source of ['src/main.ts', 'src/command-line.ts', '../snapshotter/src/index.ts', '../sys/src/libc.ts', 'package.json']) {
    t.true(record.inputs.includes(path.resolve(PACKAGE_DIR, source)), source);
  }
  t.true(record.inputs.includes(path.resolve(PACKAGE_DIR, '../../pnpm-lock.yaml')));
  // External packages stay outside, imported by absolute path (pnpm gives layerctl no koffi of its own).
  const chunks = fs.readdirSync(path.dirname(entry)).filter((name) => name.endsWith('.js'));
  const code = chunks.map((name) => fs.readFileSync(path.join(path.dirname(entry), name), 'utf8')).join('\n');
  t.regex(code, /from "file:\/\/\/[^"]*\/node_modules\/react\/index\.js"/);
  t.regex(code, /import\("file:\/\/\/[^"]*\/node_modules\/ink\/[^"]*"\)/);
  t.notRegex(code, /import\.meta\.url/);
});

test('a bundle is stale once an input changes after the build began, or goes', (t) => {
  const dir = scratch(t);
  const inputs = ['a.ts', 'b.ts'].map((name) => path.join(dir, name));
  for (const input of inputs) fs.writeFileSync(input, 'export {};\n');
  const past = new Date(Date.now() - 60_000);
  for (const input of inputs) fs.utimesSync(input, past, past);
  fs.mkdirSync(path.join(dir, 'build-1'));
  fs.writeFileSync(path.join(dir, 'build-1', 'main.js'), '');
  const record: BuildRecord = { build: 'build-1', startedAt: Date.now() - 1000, inputs };
  t.true(isFresh(record, dir));
  fs.writeFileSync(inputs[1] ?? '', 'export const edited = 1;\n');
  t.false(isFresh(record, dir));
  fs.utimesSync(inputs[1] ?? '', past, past);
  t.true(isFresh(record, dir));
  fs.rmSync(inputs[0] ?? '');
  t.false(isFresh(record, dir));
  t.false(isFresh({ ...record, inputs: [inputs[1] ?? ''], build: 'build-missing' }, dir));
});

test('only builds replaced over an hour ago are pruned; the current one always stays', (t) => {
  const dist = scratch(t);
  const now = Date.now();
  const ages = { 'build-old': 2 * 3600_000, 'build-recent': 60_000, 'build-current': 5 * 3600_000 };
  for (const [name, age] of Object.entries(ages)) {
    fs.mkdirSync(path.join(dist, name));
    const when = new Date(now - age);
    fs.utimesSync(path.join(dist, name), when, when);
  }
  fs.writeFileSync(path.join(dist, CURRENT_FILE), '{}');
  pruneBuilds(dist, 'build-current', now);
  t.deepEqual(fs.readdirSync(dist).sort(), ['build-current', 'build-recent', CURRENT_FILE].sort());
});
