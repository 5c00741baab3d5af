import test from 'ava';
import { InvalidArgumentError } from '@layerctl/sys';
import { BLOCK_SIZE, decodeHeader, encodeHeader, isZeroBlock, parseNumeric, splitUstarName } from './headers.ts';
import { ustarFields as fields, fixChecksum as resum } from './tar-test-support.ts';

test('a header decodes to the fields it was encoded from', (t) => {
  const input = fields({ typeflag: '3', devmajor: 4n, devminor: 64n });
  t.deepEqual(decodeHeader(encodeHeader(input)), { ...input, format: 'ustar' });
});

test('numbers octal cannot hold are written base-256 and read back, negative ones too', (t) => {
  const input = fields({ devmajor: 0o7777777n + 1n, mtime: -1n, uid: 1n << 40n });
  const decoded = decodeHeader(encodeHeader(input));
  t.is(decoded.devmajor, 0o7777777n + 1n);
  t.is(decoded.mtime, -1n);
  t.is(decoded.uid, 1n << 40n);
});

test('base-256 fields as GNU tar writes them are read: 0x80-led positive, 0xff-led negative', (t) => {
  t.is(parseNumeric(Buffer.from([0x80, 0, 0, 0, 0xff, 0xff, 0xff, 0xfe]), 'uid'), 4294967294n);
  t.is(parseNumeric(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 'uid'), -1n);
  t.is(parseNumeric(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf0]), 'mtime'), -16n);
});

test('octal fields padded with spaces or NULs on either side read the same', (t) => {
  for (const text of ['0000644\0', '    644 ', '644\0\0\0\0\0', '\x00\x00\x00\x00644 ', '000644 \0']) {
    t.is(parseNumeric(Buffer.from(text, 'latin1'), 'mode'), 0o644n, JSON.stringify(text));
  }
  t.is(parseNumeric(Buffer.alloc(8), 'mode'), 0n);
});

test('a numeric field that is not octal is refused naming the field', (t) => {
  t.throws(() => parseNumeric(Buffer.from('0000 89\0', 'latin1'), 'mode'), { instanceOf: InvalidArgumentError, message: /mode is not an octal number/ });
});

test('a bad checksum is refused naming the byte offset', (t) => {
  const block = encodeHeader(fields());
  block[0] = 0x78;
  t.throws(() => decodeHeader(block, 1536), { instanceOf: InvalidArgumentError, message: /byte offset 1536: bad header checksum/ });
});

test('a checksum summed over signed bytes is accepted, as old Sun tars wrote it', (t) => {
  const block = encodeHeader(fields());
  block.write('\xe9t\xe9', 0, 'latin1');
  t.deepEqual(decodeHeader(resum(block, true)).name, Buffer.from('\xe9t\xe9/file', 'latin1'));
});

test('a long name is split at a slash into the ustar prefix and name fields', (t) => {
  const name = Buffer.from(`${'p'.repeat(150)}/${'n'.repeat(100)}`);
  const block = encodeHeader(fields({ name }));
  t.is(block.toString('latin1', 0, 100), 'n'.repeat(100));
  t.is(block.toString('latin1', 345, 495), 'p'.repeat(150));
  t.deepEqual(decodeHeader(block).name, name);
});

test('a name that no slash splits into prefix and name does not fit ustar', (t) => {
  t.is(splitUstarName(Buffer.from('x'.repeat(101))), undefined);
  t.is(splitUstarName(Buffer.from(`${'p'.repeat(156)}/n`)), undefined);
  t.is(splitUstarName(Buffer.from(`p/${'n'.repeat(101)}`)), undefined);
  t.is(splitUstarName(Buffer.from(`${'d'.repeat(101)}/`)), undefined);
  t.deepEqual(splitUstarName(Buffer.from(`${'d'.repeat(100)}/x/`))?.prefix, Buffer.from('d'.repeat(100)));
  t.throws(() => encodeHeader(fields({ name: Buffer.from('x'.repeat(101)) })), { instanceOf: InvalidArgumentError });
});

test('a GNU header has no prefix: the bytes there are times, not part of the name', (t) => {
  const block = encodeHeader(fields({ name: Buffer.from('short') }));
  block.write('ustar  \0', 257, 'latin1');
  block.write('14000000000\0', 345, 'latin1');
  const decoded = decodeHeader(resum(block));
  t.is(decoded.format, 'gnu');
  t.deepEqual(decoded.name, Buffer.from('short'));
  t.deepEqual(decoded.uname, Buffer.from('alice'));
});

test('a star header has a 131-byte prefix and its trailer after', (t) => {
  const block = encodeHeader(fields({ name: Buffer.from('n') }));
  block.write('pre', 345, 'latin1');
  block.write('14000000000\0', 476, 'latin1');
  block.write('tar\0', 508, 'latin1');
  t.deepEqual(decodeHeader(resum(block)).name, Buffer.from('pre/n'));
});

test('a v7 header (no magic) has no owner names or device numbers', (t) => {
  const block = encodeHeader(fields({ typeflag: '\0' }));
  block.fill(0, 257, BLOCK_SIZE);
  const decoded = decodeHeader(resum(block));
  t.is(decoded.format, 'v7');
  t.is(decoded.typeflag, '\0');
  t.deepEqual(decoded.uname, Buffer.alloc(0));
  t.is(decoded.size, 42n);
});

test('a name of exactly 100 bytes fills the field with no NUL and reads back whole', (t) => {
  const name = Buffer.from('a'.repeat(100));
  t.deepEqual(decodeHeader(encodeHeader(fields({ name }))).name, name);
});

test('only an all-zero block is a zero block', (t) => {
  t.true(isZeroBlock(Buffer.alloc(BLOCK_SIZE)));
  const block = Buffer.alloc(BLOCK_SIZE);
  block[511] = 1;
  t.false(isZeroBlock(block));
});

test('a checksum is checked the same wherever the block starts in its buffer (summed four bytes at a time when aligned)', (t) => {
  // High bytes in every lane of a word, where a carry between lanes would show.
  const name = Buffer.from('\u00ff\u00fe\u00fd\u00fc/\u00e9t\u00e9', 'latin1');
  const block = encodeHeader(fields({ name, uname: Buffer.from('\u00ff\u00ff\u00ff\u00ff', 'latin1') }));
  for (let shift = 0; shift < 4; shift++) {
    const buffer = Buffer.alloc(BLOCK_SIZE + 8);
    const view = buffer.subarray(shift, shift + BLOCK_SIZE);
    block.copy(view);
    t.deepEqual(decodeHeader(view).name, name, `at offset ${shift}`);
    view[300] = (view[300] ?? 0) ^ 0x01;
    t.throws(() => decodeHeader(view), { instanceOf: InvalidArgumentError, message: /bad header checksum/ }, `at offset ${shift}`);
  }
});
