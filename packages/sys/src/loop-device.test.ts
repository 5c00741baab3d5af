import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test, { type ExecutionContext } from 'ava';
import {
  attachedLoops,
  attachLoop,
  detachLoop,
  LO_FLAGS_AUTOCLEAR,
  LO_FLAGS_DIRECT_IO,
  LO_FLAGS_READ_ONLY,
  LOOP_CONFIG_BYTES,
  loopBackingFile,
  loopConfig,
  loopFlags,
  type LoopDevice,
} from './loop-device.ts';
import { scratchDir } from './testing/scratch.ts';

const MiB = 1024 * 1024;

function sparseFile(t: ExecutionContext, bytes: number): string {
  const file = path.join(scratchDir(t), 'image');
  fs.writeFileSync(file, '');
  fs.truncateSync(file, bytes);
  return file;
}

/** Attaches and makes sure the device is detached when the test ends, pass or fail. */
function attachInTest(t: ExecutionContext, file: string, opts: Parameters<typeof attachLoop>[1]): LoopDevice & { fd: number } {
  const device = attachLoop(file, opts);
  t.teardown(() => {
    try {
      fs.closeSync(device.fd);
    } catch {
      // closed by the test itself already (EBADF)
    }
    if (loopBackingFile(device.number) === file) detachLoop(device.number);
  });
  return device;
}

/** Autoclear runs as the last opener goes; the kernel may finish it a moment later. */
async function detachedSoon(number: number): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if (loopBackingFile(number) === undefined) return true;
    await sleep(5);
  }
  return false;
}

test('struct loop_config is 304 bytes: fd, block size, then loop_info64 with flags at 52 and the file name at 56', (t) => {
  const config = loopConfig(9, 4096, '/pool/image', LO_FLAGS_DIRECT_IO | LO_FLAGS_AUTOCLEAR);
  t.is(config.length, LOOP_CONFIG_BYTES);
  t.is(config.readUInt32LE(0), 9);
  t.is(config.readUInt32LE(4), 4096);
  t.is(config.readUInt32LE(8 + 52), 20);
  t.is(config.subarray(8 + 56, 8 + 56 + 11).toString(), '/pool/image');
  t.is(config[8 + 56 + 11], 0, 'the name is NUL-terminated');
  t.true(config.subarray(8 + 56 + 64).every((b) => b === 0), 'everything after the name is zero');
});

test('a file name longer than the kernel keeps is cut to 63 bytes and a NUL', (t) => {
  const config = loopConfig(3, 0, `/${'x'.repeat(100)}`, 0);
  t.is(config[8 + 56 + 63], 0);
  t.is(config.subarray(8 + 56, 8 + 56 + 63).toString(), `/${'x'.repeat(62)}`);
});

test('loop flags: read-only 1, autoclear 4, direct I/O 16', (t) => {
  t.is(loopFlags({ readOnly: true, autoclear: true, directIo: true }), LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR | LO_FLAGS_DIRECT_IO);
  t.is(loopFlags({}), 0);
});

test('an attached file shows as the backing file of its device, which is a block device of that size, and detach removes it', (t) => {
  const file = sparseFile(t, 8 * MiB);
  const device = attachInTest(t, file, { blockSize: 4096 });
  fs.closeSync(device.fd);
  t.is(loopBackingFile(device.number), file);
  t.true(attachedLoops().some((l) => l.number === device.number && l.backingFile === file));
  t.true(fs.statSync(device.path).isBlockDevice());
  const fd = fs.openSync(device.path, 'r+');
  try {
    fs.writeSync(fd, Buffer.alloc(4096, 'z'), 0, 4096, MiB);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  const back = Buffer.alloc(4096);
  fs.readSync(fs.openSync(file, 'r'), back, 0, 4096, MiB);
  t.true(back.every((b) => b === 'z'.charCodeAt(0)), 'writes to the device land in the file');
  detachLoop(device.number);
  t.is(loopBackingFile(device.number), undefined);
  t.notThrows(() => detachLoop(device.number), 'detaching a detached device is a no-op');
});

test('an autoclear device detaches when its last descriptor closes', async (t) => {
  const file = sparseFile(t, 4 * MiB);
  const device = attachInTest(t, file, { autoclear: true });
  t.is(loopBackingFile(device.number), file);
  fs.closeSync(device.fd);
  t.true(await detachedSoon(device.number));
});

test('a read-only device refuses writes (EPERM or EROFS) and direct I/O is reported as the kernel took it', (t) => {
  const file = sparseFile(t, 4 * MiB);
  const device = attachInTest(t, file, { readOnly: true, directIo: true });
  fs.closeSync(device.fd);
  t.is(typeof device.directIo, 'boolean');
  const fd = fs.openSync(device.path, 'r+');
  t.teardown(() => fs.closeSync(fd));
  const error = t.throws(() => fs.writeSync(fd, Buffer.alloc(4096), 0, 4096, 0));
  t.true(['EPERM', 'EROFS'].includes(String(error !== undefined && 'code' in error ? error.code : '')), String(error));
});

test('two attaches of different files get different devices', (t) => {
  const a = attachInTest(t, sparseFile(t, MiB), {});
  const b = attachInTest(t, sparseFile(t, MiB), {});
  t.not(a.number, b.number);
});

test('a loop number used again shows the new file, not blocks the previous file left cached in the device', (t) => {
  const first = sparseFile(t, 4 * MiB);
  const second = sparseFile(t, 4 * MiB);
  fs.writeFileSync(first, Buffer.alloc(4 * MiB, 'a'));
  fs.writeFileSync(second, Buffer.alloc(4 * MiB, 'b'));
  const readThrough = (device: LoopDevice & { fd: number }): string => {
    const buf = Buffer.alloc(4096);
    // Buffered reads through the device fill its page cache, as a filesystem's metadata reads do.
    const fd = fs.openSync(device.path, 'r');
    try {
      fs.readSync(fd, buf, 0, 4096, MiB);
    } finally {
      fs.closeSync(fd);
    }
    return String.fromCharCode(buf[0] ?? 0);
  };
  const a = attachInTest(t, first, { blockSize: 4096 });
  t.is(readThrough(a), 'a');
  fs.closeSync(a.fd);
  detachLoop(a.number);
  const b = attachInTest(t, second, { blockSize: 4096 });
  t.is(readThrough(b), 'b', `/dev/loop${b.number} (was /dev/loop${a.number}) reads the second file`);
});
