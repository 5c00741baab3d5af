import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import test from 'ava';
import { DigestMismatchError, InvalidArgumentError, NotFoundError } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { errorCode } from '../error-code.ts';
import { chunked, collect } from '../testing/byte-streams.ts';
import { ContentStore } from './content-store.ts';
import { type Digest, sha256Digest } from './digest.ts';

function openStore(dir: string): ContentStore {
  return ContentStore.open(path.join(dir, 'content'), path.join(dir, 'tmp'));
}

const payload = Buffer.from('a layer would be here\n'.repeat(1000));
const payloadDigest = sha256Digest(payload);

test('open creates a valid OCI image layout, and opening again keeps it', (t) => {
  const dir = scratchDir(t);
  const store = openStore(dir);
  t.deepEqual(JSON.parse(fs.readFileSync(path.join(store.dir, 'oci-layout'), 'utf8')), { imageLayoutVersion: '1.0.0' });
  const index: unknown = JSON.parse(fs.readFileSync(path.join(store.dir, 'index.json'), 'utf8'));
  t.like(index, { schemaVersion: 2, manifests: [] });
  fs.writeFileSync(path.join(store.dir, 'index.json'), '{"schemaVersion":2,"manifests":[{"x":1}]}');
  openStore(dir);
  t.is(fs.readFileSync(path.join(store.dir, 'index.json'), 'utf8'), '{"schemaVersion":2,"manifests":[{"x":1}]}');
  t.true(fs.statSync(path.join(store.dir, 'blobs', 'sha256')).isDirectory());
  t.deepEqual(fs.readdirSync(path.join(dir, 'tmp')), []);
});

test('ingest stores a blob under blobs/sha256/<hex> with its digest and size', async (t) => {
  const store = openStore(scratchDir(t));
  const info = await store.ingest(chunked(payload, 4096), { digest: payloadDigest, size: payload.length });
  t.deepEqual(info, { digest: payloadDigest, size: payload.length });
  t.is(store.path(payloadDigest), path.join(store.dir, 'blobs', 'sha256', payloadDigest.slice(7)));
  t.true(fs.readFileSync(store.path(payloadDigest)).equals(payload));
  t.true(store.has(payloadDigest));
  t.deepEqual(store.stat(payloadDigest), info);
  t.deepEqual(store.list(), [payloadDigest]);
});

test('ingest without expectations computes the digest', async (t) => {
  const store = openStore(scratchDir(t));
  t.deepEqual(await store.ingest(chunked(payload, 4096)), { digest: payloadDigest, size: payload.length });
});

test('a blob with the wrong digest leaves nothing visible and no temp file behind', async (t) => {
  const dir = scratchDir(t);
  const store = openStore(dir);
  const claimed = sha256Digest('something else');
  const error = await t.throwsAsync(store.ingest(chunked(payload, 4096), { digest: claimed }), { instanceOf: DigestMismatchError });
  t.true(error?.message.includes(claimed));
  t.is(error?.actual, payloadDigest);
  t.false(store.has(claimed));
  t.false(store.has(payloadDigest));
  t.deepEqual(store.list(), []);
  t.deepEqual(fs.readdirSync(path.join(dir, 'tmp')), []);
});

test('a blob shorter or longer than its expected size is refused, naming the blob', async (t) => {
  const dir = scratchDir(t);
  const store = openStore(dir);
  for (const size of [payload.length - 1, payload.length + 1]) {
    const error = await t.throwsAsync(store.ingest(chunked(payload, 4096), { digest: payloadDigest, size }), { instanceOf: InvalidArgumentError });
    t.true(error?.message.includes(payloadDigest));
  }
  t.deepEqual(store.list(), []);
  t.deepEqual(fs.readdirSync(path.join(dir, 'tmp')), []);
});

test('ingest stops reading a source as soon as it outgrows its expected size', async (t) => {
  const store = openStore(scratchDir(t));
  let produced = 0;
  async function* endless(): AsyncGenerator<Buffer> {
    for (;;) {
      produced += 1024;
      yield Buffer.alloc(1024);
    }
  }
  await t.throwsAsync(store.ingest(endless(), { size: 10 * 1024 }), { instanceOf: InvalidArgumentError });
  t.is(produced, 11 * 1024);
});

test('a failing source leaves nothing visible and no temp file behind', async (t) => {
  const dir = scratchDir(t);
  const store = openStore(dir);
  async function* broken(): AsyncGenerator<Buffer> {
    yield payload;
    throw new NotFoundError('source went away');
  }
  await t.throwsAsync(store.ingest(broken()), { instanceOf: NotFoundError, message: 'source went away' });
  t.deepEqual(store.list(), []);
  t.deepEqual(fs.readdirSync(path.join(dir, 'tmp')), []);
});

test('ingestWritten stores what is written through it, and each write may reuse its buffer at once', async (t) => {
  const store = openStore(scratchDir(t));
  const info = await store.ingestWritten(async (write) => {
    const reused = Buffer.alloc(1000);
    for (let at = 0; at < payload.length; at += reused.length) {
      const length = payload.copy(reused, 0, at);
      write(reused.subarray(0, length));
      reused.fill(0xff);
    }
  });
  t.deepEqual(info, { digest: payloadDigest, size: payload.length });
  t.true(fs.readFileSync(store.path(payloadDigest)).equals(payload));
});

test('ingestWritten checks what it is told to expect and leaves nothing behind when the producer or the check fails', async (t) => {
  const dir = scratchDir(t);
  const store = openStore(dir);
  const claimed = sha256Digest('something else');
  await t.throwsAsync(store.ingestWritten(async (write) => write(payload), { digest: claimed }), { instanceOf: DigestMismatchError });
  await t.throwsAsync(store.ingestWritten(async (write) => write(payload), { size: 10 }), { instanceOf: InvalidArgumentError, message: /more than the expected 10 bytes/ });
  await t.throwsAsync(
    store.ingestWritten(async (write) => {
      write(payload);
      throw new NotFoundError('file vanished while packing');
    }),
    { instanceOf: NotFoundError },
  );
  t.deepEqual(store.list(), []);
  t.deepEqual(fs.readdirSync(path.join(dir, 'tmp')), []);
});

test('read streams the blob and verifies it', async (t) => {
  const store = openStore(scratchDir(t));
  await store.ingest(chunked(payload, 4096));
  t.true((await collect(store.read(payloadDigest))).equals(payload));
  t.true((await store.readSmall(payloadDigest)).equals(payload));
});

test('a blob altered on disk fails read() and readSmall() with DigestMismatchError naming the digest', async (t) => {
  const store = openStore(scratchDir(t));
  await store.ingest(chunked(payload, 4096));
  const altered = Buffer.from(payload);
  altered[100] = 0x58;
  fs.chmodSync(store.path(payloadDigest), 0o644);
  fs.writeFileSync(store.path(payloadDigest), altered);
  const streamed = await t.throwsAsync(collect(store.read(payloadDigest)), { instanceOf: DigestMismatchError });
  t.true(streamed?.message.startsWith(`blob ${payloadDigest}:`));
  const small = await t.throwsAsync(store.readSmall(payloadDigest), { instanceOf: DigestMismatchError });
  t.true(small?.message.startsWith(`blob ${payloadDigest}:`));
});

test('verify passes a stored blob, fails an altered one with DigestMismatchError naming the digest, and a missing one with NotFound', async (t) => {
  const store = openStore(scratchDir(t));
  await store.ingest(chunked(payload, 4096));
  await t.notThrowsAsync(store.verify(payloadDigest));
  const altered = Buffer.from(payload);
  altered[payload.length - 1] = 0x58;
  fs.chmodSync(store.path(payloadDigest), 0o644);
  fs.writeFileSync(store.path(payloadDigest), altered);
  const error = await t.throwsAsync(store.verify(payloadDigest), { instanceOf: DigestMismatchError });
  t.true(error?.message.startsWith(`blob ${payloadDigest}:`));
  t.is(error?.actual, sha256Digest(altered));
  const missing = sha256Digest('missing');
  await t.throwsAsync(store.verify(missing), { instanceOf: NotFoundError, message: new RegExp(missing) });
});

test('readSmall refuses a blob over its cap', async (t) => {
  const store = openStore(scratchDir(t));
  await store.ingest(chunked(payload, 4096));
  const error = await t.throwsAsync(store.readSmall(payloadDigest, 1000), { instanceOf: InvalidArgumentError });
  t.true(error?.message.includes(payloadDigest));
});

test('a missing blob is NotFoundError for stat, read and readSmall; delete of it is fine', async (t) => {
  const store = openStore(scratchDir(t));
  const missing = sha256Digest('missing');
  t.false(store.has(missing));
  t.throws(() => store.stat(missing), { instanceOf: NotFoundError, message: new RegExp(missing) });
  t.throws(() => store.read(missing), { instanceOf: NotFoundError, message: new RegExp(missing) });
  await t.throwsAsync(store.readSmall(missing), { instanceOf: NotFoundError, message: new RegExp(missing) });
  t.notThrows(() => store.delete(missing));
});

test('delete removes a blob', async (t) => {
  const store = openStore(scratchDir(t));
  await store.ingest(chunked(payload, 4096));
  store.delete(payloadDigest);
  t.false(store.has(payloadDigest));
  t.deepEqual(store.list(), []);
});

test('list skips files in blobs/sha256 whose names are not digests', async (t) => {
  const store = openStore(scratchDir(t));
  await store.ingest(chunked(payload, 4096));
  fs.writeFileSync(path.join(store.dir, 'blobs', 'sha256', 'not-a-digest'), '');
  t.deepEqual(store.list(), [payloadDigest]);
});

test('a digest that is not sha256 hex never becomes a path', (t) => {
  const store = openStore(scratchDir(t));
  // The type allows any sha256:-prefixed string; the store checks at run time.
  const hostile: Digest = 'sha256:../../../etc/passwd';
  t.throws(() => store.path(hostile), { instanceOf: InvalidArgumentError });
  t.throws(() => store.has(hostile), { instanceOf: InvalidArgumentError });
});

test('a reader destroyed before reading releases its file', async (t) => {
  const store = openStore(scratchDir(t));
  await store.ingest(chunked(payload, 4096));
  const stream = store.read(payloadDigest);
  t.is(openDescriptorsOf(store.path(payloadDigest)), 1);
  stream.destroy();
  // The descriptor is closed on libuv's thread pool, so under load it may take a while: poll for
  // it with a bound far above any honest delay, rather than sleeping a fixed time.
  const deadline = Date.now() + 10_000;
  while (openDescriptorsOf(store.path(payloadDigest)) !== 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  t.is(openDescriptorsOf(store.path(payloadDigest)), 0);
});

function openDescriptorsOf(file: string): number {
  const targets = fs.readdirSync('/proc/self/fd').map((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch (error) {
      // The descriptor readdir itself used is closed by now.
      if (errorCode(error) === 'ENOENT') return '';
      throw error;
    }
  });
  return targets.filter((target) => target === file).length;
}

// Both children wait for "go" on stdin so their ingests overlap; each streams the same 20 MiB
// file slowly (yielding to the event loop between chunks) into the same store.
const CONCURRENT_INGEST = `
  const [storeUrl, contentDir, tmpDir, source] = process.argv.slice(1);
  const { ContentStore } = await import(storeUrl);
  const fs = await import('node:fs');
  const store = ContentStore.open(contentDir, tmpDir);
  process.stdout.write('ready\\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  async function* slowly() {
    for await (const chunk of fs.createReadStream(source, { highWaterMark: 256 * 1024 })) {
      yield chunk;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const started = performance.timeOrigin + performance.now();
  const info = await store.ingest(slowly());
  const ended = performance.timeOrigin + performance.now();
  process.stdout.write(JSON.stringify({ info, started, ended }) + '\\n');
  process.exit(0);
`;

test('two processes ingesting the same blob at once both succeed and store it once', async (t) => {
  const dir = scratchDir(t);
  const store = openStore(dir);
  const source = path.join(dir, 'source');
  const data = Buffer.alloc(20 * 1024 * 1024);
  for (let i = 0; i < data.length; i += 4) data.writeUInt32LE((i * 2654435761) >>> 0, i);
  fs.writeFileSync(source, data);
  const expected = sha256Digest(data);
  const storeUrl = pathToFileURL(path.join(import.meta.dirname, 'content-store.ts')).href;
  const children = [0, 1].map(() => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CONCURRENT_INGEST, storeUrl, store.dir, store.tmpDir, source], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    t.teardown(() => child.kill('SIGKILL'));
    return { child, exited };
  });
  const lines = children.map(({ child }) => outputLines(child.stdout));
  await Promise.all(lines.map((l) => l.next()));
  for (const { child } of children) child.stdin.end('go\n');
  const results = await Promise.all(lines.map(async (l) => ingestReport(String((await l.next()).value))));
  const exits = await Promise.all(children.map(({ exited }) => exited));
  t.deepEqual(exits, [0, 0]);
  const [first, second] = results;
  t.truthy(first !== undefined && second !== undefined && first.started < second.ended && second.started < first.ended, 'the ingests overlapped');
  t.deepEqual(
    results.map((r) => r.info),
    [
      { digest: expected, size: data.length },
      { digest: expected, size: data.length },
    ],
  );
  t.deepEqual(store.list(), [expected]);
  t.deepEqual(fs.readdirSync(path.join(store.dir, 'blobs', 'sha256')), [expected.slice(7)]);
  t.is(createHash('sha256').update(fs.readFileSync(store.path(expected))).digest('hex'), expected.slice(7));
  t.deepEqual(fs.readdirSync(store.tmpDir), []);
});

function ingestReport(line: string): { info: unknown; started: number; ended: number } {
  const report: unknown = JSON.parse(line);
  if (typeof report !== 'object' || report === null || !('info' in report && 'started' in report && 'ended' in report)) {
    throw new TypeError(`child reported ${line}`);
  }
  const { info, started, ended } = report;
  if (typeof started !== 'number' || typeof ended !== 'number') throw new TypeError(`child reported ${line}`);
  return { info, started, ended };
}

async function* outputLines(stream: Readable): AsyncGenerator<string> {
  let pending = '';
  for await (const chunk of stream) {
    pending += String(chunk);
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      yield pending.slice(0, newline);
      pending = pending.slice(newline + 1);
    }
  }
}
