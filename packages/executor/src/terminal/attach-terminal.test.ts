import { PassThrough } from 'node:stream';
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
  const attachment = attachTerminal(terminal, input, output);
  input.write('hello\n');
  const status = await container.wait();
  await attachment.closed;
  attachment.detach();
  t.is(status.code, 5);
  t.regex(seen, /is-a-tty\r\n30 100\r\n\/dev\/console\r\n/);
  // The pty echoes what was typed and ends lines with CRLF, as a terminal does.
  t.regex(seen, /hello\r\ngot:hello\r\n/);
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
  const attachment = attachTerminal(terminal, input, output);
  terminal.resize(132, 43);
  input.write('\n');
  t.like(await container.wait(), { code: 0 });
  await attachment.closed;
  attachment.detach();
  t.regex(seen, /43 132\r\n/);
});
