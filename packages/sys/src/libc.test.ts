import { execFileSync } from 'node:child_process';
import test from 'ava';

// Run in a fresh process: whether koffi is loaded depends on everything the process did before.
const probe = `
import { createRequire } from 'node:module';
const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((p) => p.includes('/koffi/'));
const sys = await import(${JSON.stringify(new URL('./index.ts', import.meta.url).href)});
const onImport = loaded();
sys.lgetxattr('/', 'user.layerctl-probe');
console.log(JSON.stringify({ onImport, afterCall: loaded() }));
`;

test('importing the package does not load koffi; the first system call does', (t) => {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' });
  t.deepEqual(JSON.parse(out), { onImport: false, afterCall: true });
});
