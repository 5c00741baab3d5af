import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import tty from 'node:tty';
import { openpty } from '@layerctl/sys';
import test from 'ava';
import { startContainer } from '../process/start-container.ts';
import { testBundle } from '../testing/test-container.ts';
import { attachTerminal } from './attach-terminal.ts';

test('a terminal container gets a pty as stdio and controlling terminal, with the spec window size, and input typed through it', async (t) => {
  const script = 'test -t 0 && echo is-a-tty; stty size; tty; read line; echo "got:$line"; kill -WINCH $$ 2>/dev/null; exit 5';
  const bundle = testBundle(t, { args: ['sh', '-c', script], terminal: true }, (spec) => {
    spec.process.consoleSize = { height: 30, width: 100 };
  });
  const container = await startContainer(bundle);
  const terminal = container.terminal;
  if (terminal === undefined) return t.fail('no terminal');
  const input = new PassThrough();
  const output = new PassThrough();
  let seen = '';
  output.setEncoding('utf8').on('data', (d: string) => (seen += d));
  const attachment = attachTerminal(terminal, { input, output });
  // Typed once the shell has got to its read: the pty echoes input when it is typed.
  while (!seen.includes('/dev/console')) await new Promise((resolve) => setTimeout(resolve, 10));
  input.write('hello\n');
  const status = await container.wait();
  await attachment.closed;
  attachment.detach();
  t.is(status.code, 5);
  t.regex(seen, /is-a-tty\r\n30 100\r\n\/dev\/console\r\n/);
  // The pty echoes what was typed and ends lines with CRLF, as a terminal does.
  t.regex(seen, /\/dev\/console\r\nhello\r\ngot:hello\r\n$/);
});

test('resize sets the window size the container sees', async (t) => {
  const bundle = testBundle(t, { args: ['sh', '-c', 'read x; stty size'], terminal: true });
  const container = await startContainer(bundle);
  const terminal = container.terminal;
  if (terminal === undefined) return t.fail('no terminal');
  const input = new PassThrough();
  const output = new PassThrough();
  let seen = '';
  output.setEncoding('utf8').on('data', (d: string) => (seen += d));
  const attachment = attachTerminal(terminal, { input, output });
  terminal.resize(132, 43);
  input.write('\n');
  t.like(await container.wait(), { code: 0 });
  await attachment.closed;
  attachment.detach();
  t.regex(seen, /43 132\r\n/);
});

test("the caller's terminal is raw while attached and back to its own modes after", async (t) => {
  // A pty stands in for the user's terminal; stty reads its modes from outside.
  const caller = openpty({ columns: 90, rows: 20 });
  const device = fs.readlinkSync(`/proc/self/fd/${caller.slave}`);
  const modes = (): string => execFileSync('stty', ['-F', device, '-g'], { encoding: 'utf8' });
  const before = modes();
  const container = await startContainer(testBundle(t, { args: ['sh', '-c', 'read x; stty size'], terminal: true }));
  const terminal = container.terminal;
  if (terminal === undefined) return t.fail('no terminal');
  // Each descriptor is owned (and closed) by one stream: the slave by input, the master by echo.
  const input = new tty.ReadStream(caller.slave);
  const output = new PassThrough();
  let seen = '';
  output.setEncoding('utf8').on('data', (d: string) => (seen += d));
  // What the caller's terminal echoes is not looked at, only drained.
  const echo = new tty.ReadStream(caller.master);
  echo.resume();
  const attachment = attachTerminal(terminal, { input, output, inputFd: caller.slave, outputFd: caller.slave });
  const during = modes();
  fs.writeSync(caller.master, '\r');
  t.like(await container.wait(), { code: 0 });
  await attachment.closed;
  attachment.detach();
  t.not(during, before);
  t.true(execFileSync('stty', ['-F', device, '-a'], { encoding: 'utf8' }).includes(' icanon'));
  t.is(modes(), before);
  // The caller's window size went to the container's pty on attach.
  t.regex(seen, /20 90/);
  input.destroy();
  echo.destroy();
});

test('a detached terminal container (its own session already) still gets its pty as controlling terminal', async (t) => {
  const container = await startContainer({ ...testBundle(t, { args: ['sh', '-c', 'test -t 0 && echo tty-ok'], terminal: true }), detached: true });
  const terminal = container.terminal;
  if (terminal === undefined) return t.fail('no terminal');
  const output = new PassThrough();
  let seen = '';
  output.setEncoding('utf8').on('data', (d: string) => (seen += d));
  const attachment = attachTerminal(terminal, { input: new PassThrough(), output });
  t.like(await container.wait(), { code: 0 });
  await attachment.closed;
  attachment.detach();
  t.is(seen, 'tty-ok\r\n');
});
