import test from 'ava';
import { InvalidArgumentError } from '@layerctl/sys';
import { decodeCommand, decodeMessage, encodeCommand, encodeMessage, MessageType, PROTOCOL_VERSION } from './daemon-protocol.ts';

test('a command survives encoding: umask, working directory, arguments with spaces and empty ones, environment', (t) => {
  const request = { umask: 0o027, cwd: '/some dir', args: ['run', '', 'a b', '--x=1'], env: { A: '1', EMPTY: '', WITH_EQUALS: 'k=v' } };
  t.deepEqual(decodeCommand(encodeCommand(request), 'test'), request);
});

test('a malformed command is refused naming the connection and what is wrong', (t) => {
  const good = encodeCommand({ umask: 0o022, cwd: '/', args: ['images'], env: {} });
  t.throws(() => decodeCommand(good.subarray(0, 8), 'connection 7'), { instanceOf: InvalidArgumentError, message: 'connection 7: a malformed command: 8 bytes' });
  const counts = Buffer.from(good);
  counts.writeUInt32LE(5, 4);
  t.throws(() => decodeCommand(counts, 'connection 7'), { instanceOf: InvalidArgumentError, message: 'connection 7: a malformed command: 2 strings for 5 arguments and 0 variables' });
  t.throws(() => decodeCommand(good.subarray(0, good.length - 1), 'connection 7'), { instanceOf: InvalidArgumentError });
  const relative = encodeCommand({ umask: 0, cwd: 'relative', args: [], env: {} });
  t.throws(() => decodeCommand(relative, 'connection 7'), { message: 'connection 7: a malformed command: working directory "relative" is not absolute' });
});

test('messages carry magic, version, type and a signed value; anything else is refused', (t) => {
  t.deepEqual(decodeMessage(encodeMessage(MessageType.exit, 137), 'worker'), { version: PROTOCOL_VERSION, type: MessageType.exit, value: 137 });
  t.deepEqual(decodeMessage(encodeMessage(MessageType.signal, -1), 'worker').value, -1);
  t.throws(() => decodeMessage(Buffer.alloc(16), 'worker'), { instanceOf: InvalidArgumentError });
  t.throws(() => decodeMessage(encodeMessage(MessageType.ping).subarray(0, 12), 'worker'), { instanceOf: InvalidArgumentError });
});
