import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { dupOnto } from './dup-onto.ts';
import { InvalidArgumentError, SysError } from './errors.ts';
import { acceptConnection, connectUnix, listenUnix, peerCredentials, receiveWithFds, sendWithFds } from './unix-socket.ts';

function scratch(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync('/dev/shm/layerctl-test-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function closeAll(t: { teardown(fn: () => void): void }, ...fds: number[]): void {
  t.teardown(() => {
    for (const fd of fds) fs.closeSync(fd);
  });
}

test('a connection to a listening socket is accepted and names the connecting process', (t) => {
  const socketPath = path.join(scratch(t), 'sock');
  const listening = listenUnix(socketPath, 4);
  const client = connectUnix(socketPath);
  const server = acceptConnection(listening);
  closeAll(t, listening, client, server);
  t.deepEqual(peerCredentials(server), { pid: process.pid, uid: process.getuid?.() ?? -1, gid: process.getgid?.() ?? -1 });
  fs.writeSync(client, 'hello');
  const into = Buffer.alloc(16);
  t.is(fs.readSync(server, into), 5);
  t.is(into.subarray(0, 5).toString(), 'hello');
});

test('descriptors sent with SCM_RIGHTS arrive as new descriptors of the same files, close-on-exec', (t) => {
  const dir = scratch(t);
  const socketPath = path.join(dir, 'sock');
  const listening = listenUnix(socketPath, 4);
  const client = connectUnix(socketPath);
  const server = acceptConnection(listening);
  const file = fs.openSync(path.join(dir, 'file'), 'w+');
  closeAll(t, listening, client, server, file);
  t.is(sendWithFds(client, Buffer.from('head'), [file, file]), 4);
  const into = Buffer.alloc(4);
  const received = receiveWithFds(server, into, 3);
  closeAll(t, ...received.fds);
  t.is(received.bytes, 4);
  t.is(into.toString(), 'head');
  t.is(received.fds.length, 2);
  fs.writeSync(received.fds[0] ?? -1, 'through the passed descriptor');
  t.is(fs.readFileSync(path.join(dir, 'file'), 'utf8'), 'through the passed descriptor');
  t.true(fs.readlinkSync(`/proc/self/fd/${received.fds[1]}`).endsWith('/file'));
  const flags = /flags:\s+([0-7]+)/.exec(fs.readFileSync(`/proc/self/fdinfo/${received.fds[0]}`, 'utf8'))?.[1] ?? '0';
  t.not(Number.parseInt(flags, 8) & 0o2000000, 0, 'O_CLOEXEC is set');
});

test('more descriptors than the receiver takes are refused and none is left open', (t) => {
  const socketPath = path.join(scratch(t), 'sock');
  const listening = listenUnix(socketPath, 4);
  const client = connectUnix(socketPath);
  const server = acceptConnection(listening);
  closeAll(t, listening, client, server);
  const before = fs.readdirSync('/proc/self/fd').length;
  sendWithFds(client, Buffer.from('x'), [0, 1, 2]);
  t.throws(() => receiveWithFds(server, Buffer.alloc(1), 1), { instanceOf: InvalidArgumentError, message: `fd ${server}: the peer sent more than 1 descriptors` });
  t.is(fs.readdirSync('/proc/self/fd').length, before);
});

test('end of stream reads as zero bytes and no descriptors', (t) => {
  const socketPath = path.join(scratch(t), 'sock');
  const listening = listenUnix(socketPath, 4);
  const client = connectUnix(socketPath);
  const server = acceptConnection(listening);
  closeAll(t, listening, server);
  fs.closeSync(client);
  t.deepEqual(receiveWithFds(server, Buffer.alloc(8), 3), { bytes: 0, fds: [] });
});

test('connecting where nobody listens fails with the errno and the path', (t) => {
  const socketPath = path.join(scratch(t), 'nobody');
  t.throws(() => connectUnix(socketPath), { instanceOf: SysError, message: `connect ${socketPath}: ENOENT` });
  t.throws(() => listenUnix(`/dev/shm/${'x'.repeat(120)}`, 1), { instanceOf: InvalidArgumentError });
});

test('dupOnto makes one descriptor number refer to another open file', (t) => {
  const dir = scratch(t);
  const a = fs.openSync(path.join(dir, 'a'), 'w');
  const b = fs.openSync(path.join(dir, 'b'), 'w');
  closeAll(t, a, b);
  dupOnto(a, b);
  fs.writeSync(b, 'into a');
  t.is(fs.readFileSync(path.join(dir, 'a'), 'utf8'), 'into a');
  t.is(fs.readFileSync(path.join(dir, 'b'), 'utf8'), '');
});
