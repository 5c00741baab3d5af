import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { FailedPreconditionError } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { INIT_SOURCES, initBinary } from './init-binary.ts';

/** A copy of the init's sources the test may change. */
function copySources(scratch: string): string {
  const dir = path.join(scratch, 'src');
  fs.cpSync(INIT_SOURCES, dir, { recursive: true });
  return dir;
}

test('the init is built once per version of its sources and reused after', (t) => {
  const scratch = scratchDir(t);
  const sources = copySources(scratch);
  const cache = path.join(scratch, 'cache');
  const binary = initBinary(cache, sources);
  t.true(binary.startsWith(`${cache}/`));
  t.is(fs.statSync(binary).mode & 0o111, 0o111);
  const before = fs.statSync(binary, { bigint: true }).mtimeNs;
  t.is(initBinary(cache, sources), binary);
  t.is(fs.statSync(binary, { bigint: true }).mtimeNs, before);
  // A changed source is another binary, built beside the first.
  fs.appendFileSync(path.join(sources, 'main.c'), '\n/* changed */\n');
  const changed = initBinary(cache, sources);
  t.not(changed, binary);
  t.true(fs.existsSync(changed) && fs.existsSync(binary));
  t.deepEqual(fs.readdirSync(path.dirname(changed)), ['layerctl-init'], 'no temporary file is left');
});

test('a source gcc refuses is a one-line error naming gcc and the first error', (t) => {
  const scratch = scratchDir(t);
  const sources = copySources(scratch);
  fs.appendFileSync(path.join(sources, 'main.c'), '\nthis is not C;\n');
  const error = t.throws(() => initBinary(path.join(scratch, 'cache'), sources), { instanceOf: FailedPreconditionError });
  t.regex(error?.message ?? '', /^building layerctl-init with gcc failed: .*main\.c:\d+:\d+: error: /);
  t.false(error?.message.includes('\n'));
  t.deepEqual(fs.readdirSync(path.join(scratch, 'cache')).flatMap((d) => fs.readdirSync(path.join(scratch, 'cache', d))), []);
});

test('processes racing to build the same init each get a whole binary', async (t) => {
  const scratch = scratchDir(t);
  const sources = copySources(scratch);
  const cache = path.join(scratch, 'cache');
  const module = fileURLToPath(new URL('./init-binary.ts', import.meta.url));
  const script = `import { initBinary } from ${JSON.stringify(module)}; process.stdout.write(initBinary(${JSON.stringify(cache)}, ${JSON.stringify(sources)}));`;
  const build = () =>
    new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new FailedPreconditionError(`builder exited ${code}`))));
    });
  const paths = await Promise.all([build(), build(), build()]);
  t.is(new Set(paths).size, 1);
  const binary = paths[0] ?? '';
  t.deepEqual(fs.readdirSync(path.dirname(binary)), ['layerctl-init']);
  // Whole: it runs (and refuses a plan-less start with its own message, not a crash).
  const run = spawnSync(binary, ['--print-plan'], { input: '', encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe', 'ignore', 'pipe'] });
  t.is(run.status, 125);
  t.regex(run.output[4] ?? '', /malformed plan/);
});
