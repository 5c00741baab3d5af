import test from 'ava';
import { InvalidArgumentError } from '@layerctl/sys';
import { decodePaxRecords, encodePaxRecord, encodePaxRecords, formatPaxTime, parsePaxTime, paxFields } from './pax.ts';

const HERE = 'test header';

function fieldsOf(text: string) {
  return paxFields(decodePaxRecords(Buffer.from(text, 'latin1'), HERE), HERE);
}

function record(key: string, value: string): string {
  return encodePaxRecord(key, Buffer.from(value, 'latin1')).toString('latin1');
}

test('a record length counts the whole record, its own digits included, across digit boundaries', (t) => {
  for (let size = 0; size < 1200; size++) {
    const encoded = encodePaxRecord('path', Buffer.alloc(size, 0x61));
    const length = Number(encoded.toString('latin1').split(' ')[0]);
    t.is(length, encoded.length, `value of ${size} bytes`);
  }
  t.is(encodePaxRecord('k', Buffer.alloc(95, 0x61)).toString('latin1', 0, 4), '102 ');
});

test('binary values with NUL, newline, "=" and high bytes come back byte for byte', (t) => {
  const value = Buffer.from([0, 0x0a, 0x3d, 0xff, 0x80, 0x20, 0]);
  const records = decodePaxRecords(encodePaxRecords([['SCHILY.xattr.security.capability', value], ['path', Buffer.from('a')]]), HERE);
  t.deepEqual(records, [['SCHILY.xattr.security.capability', value], ['path', Buffer.from('a')]]);
  t.deepEqual(paxFields(records, HERE).xattrs.get('security.capability'), value);
});

test('times are "sec.frac" with a leading "-" on the magnitude for times before the epoch', (t) => {
  const cases: Array<[bigint, string]> = [
    [0n, '0'],
    [1_500_000_000n, '1.5'],
    [-1_500_000_000n, '-1.5'],
    [-1n, '-0.000000001'],
    [1_700_000_000_123_456_789n, '1700000000.123456789'],
    [4_102_444_800_000_000_000n, '4102444800'],
  ];
  for (const [ns, text] of cases) {
    t.is(formatPaxTime(ns), text);
    t.is(parsePaxTime(text, 'mtime'), ns);
  }
  t.is(parsePaxTime('1.1234567899', 'mtime'), 1_123_456_789n);
  t.is(parsePaxTime('7.', 'mtime'), 7_000_000_000n);
  t.throws(() => parsePaxTime('1e9', 'mtime'), { instanceOf: InvalidArgumentError, message: /mtime: not a time/ });
  t.throws(() => parsePaxTime('99999999999999999999', 'mtime'), { instanceOf: InvalidArgumentError, message: /out of range/ });
});

test('the PAX keys layerctl knows set their fields; atime, ctime and other keys are ignored', (t) => {
  const fields = fieldsOf(
    record('path', 'a/b') + record('linkpath', 't') + record('uid', '4294967294') + record('gid', '262144') +
      record('uname', 'alice') + record('gname', 'staff') + record('size', '9007199254740991') +
      record('mtime', '-1.5') + record('atime', '5.5') + record('ctime', '6.5') + record('comment', 'x'),
  );
  t.deepEqual(fields, {
    path: 'a/b', linkpath: 't', uid: 4294967294, gid: 262144, uname: 'alice', gname: 'staff',
    size: 9007199254740991, mtimeNs: -1_500_000_000n, xattrs: new Map(), sparse: false,
  });
});

test('an empty value deletes the field, except an xattr whose value is empty', (t) => {
  const fields = fieldsOf(record('path', 'x') + record('path', '') + record('SCHILY.xattr.user.empty', ''));
  t.is(fields.path, undefined);
  t.deepEqual(fields.xattrs.get('user.empty'), Buffer.alloc(0));
});

test('libarchive xattrs (percent-encoded name, base64 value) are read', (t) => {
  const fields = fieldsOf(record('LIBARCHIVE.xattr.user.a%3Db', Buffer.from([0, 1, 255]).toString('base64')));
  t.deepEqual(fields.xattrs.get('user.a=b'), Buffer.from([0, 1, 255]));
});

test('GNU sparse keys mark the entry as sparse', (t) => {
  t.true(fieldsOf(record('GNU.sparse.major', '1') + record('GNU.sparse.minor', '0')).sparse);
});

test('a negative size, an out-of-range uid and a non-decimal gid are refused naming the key', (t) => {
  t.throws(() => fieldsOf(record('size', '-1')), { instanceOf: InvalidArgumentError, message: /PAX size is negative: -1/ });
  t.throws(() => fieldsOf(record('uid', '4294967296')), { instanceOf: InvalidArgumentError, message: /PAX uid 4294967296 is out of range/ });
  t.throws(() => fieldsOf(record('gid', '0x10')), { instanceOf: InvalidArgumentError, message: /PAX gid is not a decimal number/ });
  t.throws(() => fieldsOf(record('size', '99999999999999999')), { instanceOf: InvalidArgumentError, message: /out of range/ });
});

test('a NUL inside a path or non-UTF-8 bytes in it are refused', (t) => {
  t.throws(() => fieldsOf(record('path', 'a\0b')), { instanceOf: InvalidArgumentError, message: /PAX path contains a NUL/ });
  t.throws(() => fieldsOf(record('path', 'caf\xe9')), { instanceOf: InvalidArgumentError, message: /PAX path is not valid UTF-8/ });
});

test('malformed records are refused: no length, a length past the body, no newline, no "="', (t) => {
  const bad: Array<[string, RegExp]> = [
    ['path=x\n', /no decimal length/],
    ['2147483648 path=x\n', /claims 2147483648 bytes but only 18 remain/],
    ['10 path=xy', /malformed PAX record/],
    ['9 pathxy\n', /malformed PAX record/],
    ['0 ', /malformed PAX record/],
    ['5 =x\n', /empty key/],
  ];
  for (const [text, message] of bad) {
    t.throws(() => decodePaxRecords(Buffer.from(text, 'latin1'), HERE), { instanceOf: InvalidArgumentError, message }, JSON.stringify(text));
  }
});
