import { spawnSync } from 'node:child_process';
import test from 'ava';
import { FailedPreconditionError } from './errors.ts';

const SIGPIPE_BIT = 1n << 12n; // signal 13

// Runs `cat /proc/self/status` by execve from a Node child, optionally resetting SIGPIPE first.
function sigIgnAfterExec(reset: boolean): bigint {
  const sys = new URL('.', import.meta.url).href;
  const script = `
    import { execve } from '${sys}execve.ts';
    import { setCloexec } from '${sys}cloexec.ts';
    import { resetSignalsForExec } from '${sys}signal-defaults.ts';
    ${reset ? 'resetSignalsForExec([13]);' : ''}
    setCloexec(1, false);
    execve('/bin/cat', ['cat', '/proc/self/status'], []);
  `;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const line = /^SigIgn:\s+([0-9a-f]+)$/m.exec(result.stdout)?.[1];
  if (line === undefined) throw new FailedPreconditionError(`cat printed no SigIgn line: ${result.stdout} ${result.stderr}`);
  return BigInt(`0x${line}`);
}

test("Node's ignored SIGPIPE survives execve unless reset, and resetSignalsForExec puts it back to default", (t) => {
  t.not(sigIgnAfterExec(false) & SIGPIPE_BIT, 0n);
  t.is(sigIgnAfterExec(true) & SIGPIPE_BIT, 0n);
});

test('exitNow ends the process with its status at once', (t) => {
  const sys = new URL('.', import.meta.url).href;
  const script = `import { exitNow } from '${sys}execve.ts'; process.on('exit', () => console.log('exit handler ran')); exitNow(7);`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  t.is(result.status, 7);
  t.is(result.stdout, '');
});
