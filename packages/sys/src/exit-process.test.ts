import { spawnSync } from 'node:child_process';
import test from 'ava';

test('exitProcess ends the process with the status at once, skipping exit handlers', (t) => {
  const script = [
    "import { exitProcess } from './packages/sys/src/exit-process.ts';",
    "process.on('exit', () => { process.stdout.write('handler ran'); });",
    'exitProcess(42);',
  ].join('\n');
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: process.cwd() });
  t.is(child.status, 42);
  t.is(child.stdout, '');
});
