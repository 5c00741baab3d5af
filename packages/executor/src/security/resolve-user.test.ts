import test from 'ava';
import { InvalidArgumentError, NotFoundError } from '@layerctl/sys';
import { parseGroup, parsePasswd } from './passwd.ts';
import { parseUserSpec, resolveUser } from './resolve-user.ts';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  'app:x:1000:1000:App,,,:/home/app:/bin/sh',
  'nohome:x:1001:1001::',
  'app:x:2000:2000:second entry:/elsewhere:/bin/sh',
].join('\n');

const GROUP = [
  'root:x:0:',
  'wheel:x:10:root,app',
  'audio:x:29:app',
  'staff:x:50:other, app ,more',
  'app:x:1000:',
  'docker:x:999:',
].join('\n');

test('a name takes uid, gid and home from its passwd entry, and its groups from /etc/group membership', (t) => {
  t.deepEqual(resolveUser('app', PASSWD, GROUP), { uid: 1000, gid: 1000, additionalGids: [10, 29, 50], home: '/home/app' });
});

test('the first of two passwd entries with one name wins', (t) => {
  t.is(resolveUser('app', PASSWD, GROUP).uid, 1000);
});

test('an empty user spec is root, with root entry and groups', (t) => {
  t.deepEqual(resolveUser('', PASSWD, GROUP), { uid: 0, gid: 0, additionalGids: [10], home: '/root' });
});

test('a numeric uid with an entry is that entry, groups included', (t) => {
  t.deepEqual(resolveUser('1000', PASSWD, GROUP), { uid: 1000, gid: 1000, additionalGids: [10, 29, 50], home: '/home/app' });
});

test('a numeric uid without an entry is allowed, with gid 0 and home /', (t) => {
  t.deepEqual(resolveUser('4242', PASSWD, GROUP), { uid: 4242, gid: 0, additionalGids: [], home: '/' });
  t.deepEqual(resolveUser('4242', undefined, undefined), { uid: 4242, gid: 0, additionalGids: [], home: '/' });
});

test('an explicit group replaces the gid and drops the supplementary groups', (t) => {
  t.deepEqual(resolveUser('app:audio', PASSWD, GROUP), { uid: 1000, gid: 29, additionalGids: [], home: '/home/app' });
  t.deepEqual(resolveUser('app:999', PASSWD, GROUP), { uid: 1000, gid: 999, additionalGids: [], home: '/home/app' });
  t.deepEqual(resolveUser('1000:50', PASSWD, GROUP), { uid: 1000, gid: 50, additionalGids: [], home: '/home/app' });
});

test('uid:gid needs neither file', (t) => {
  t.deepEqual(resolveUser('1234:5678', undefined, undefined), { uid: 1234, gid: 5678, additionalGids: [], home: '/' });
  t.deepEqual(resolveUser('1234:5678', PASSWD, GROUP), { uid: 1234, gid: 5678, additionalGids: [], home: '/' });
});

test('an entry with an empty home gets home /', (t) => {
  t.is(resolveUser('nohome', PASSWD, GROUP).home, '/');
});

test('an unknown user name is NotFound, naming the user and the image file', (t) => {
  const err = t.throws(() => resolveUser('mallory', PASSWD, GROUP), { instanceOf: NotFoundError });
  t.regex(err.message, /mallory/);
  t.regex(err.message, /\/etc\/passwd/);
  const none = t.throws(() => resolveUser('app', undefined, GROUP), { instanceOf: NotFoundError });
  t.regex(none.message, /has no \/etc\/passwd/);
});

test('an unknown group name is NotFound, naming the group and /etc/group', (t) => {
  const err = t.throws(() => resolveUser('app:nogroup', PASSWD, GROUP), { instanceOf: NotFoundError });
  t.regex(err.message, /nogroup/);
  t.regex(err.message, /\/etc\/group/);
  t.throws(() => resolveUser('1000:audio', PASSWD, undefined), { instanceOf: NotFoundError });
});

test('malformed user specs and ids out of range are refused', (t) => {
  for (const spec of ['a:b:c', 'app:', '99999999999', '1000:2147483648', 'a\0b']) {
    t.throws(() => resolveUser(spec, PASSWD, GROUP), { instanceOf: InvalidArgumentError }, spec);
  }
  t.deepEqual(parseUserSpec('app:staff'), { user: 'app', group: 'staff' });
  t.deepEqual(parseUserSpec('0'), { user: '0' });
});

test('a signed or hex uid is a name, not an id', (t) => {
  t.throws(() => resolveUser('+1000', PASSWD, GROUP), { instanceOf: NotFoundError });
  t.throws(() => resolveUser('0x10', PASSWD, GROUP), { instanceOf: NotFoundError });
});

test('hostile passwd lines are skipped: a garbage uid never becomes root', (t) => {
  const hostile = [
    'evil:x:abc:0:garbage uid:/root:/bin/sh',
    'evil2:x::0::/:',
    'evil3:x:-1:0::/:',
    'short:x',
    ':x:5:5::/:',
    '# comment:x:0:0::/:',
    'nul\0:x:7:7::/:',
    `long:x:1:1:${'g'.repeat(1 << 20)}:/long:/bin/sh`,
    'big:x:4294967296:0::/:',
    '',
    '   ',
    'ok:x:77:88::/ok:',
  ].join('\n');
  const names = parsePasswd(hostile).map((e) => e.name);
  t.deepEqual(names, ['long', 'ok']);
  t.throws(() => resolveUser('evil', hostile, ''), { instanceOf: NotFoundError });
  t.throws(() => resolveUser('evil3', hostile, ''), { instanceOf: NotFoundError });
  t.is(resolveUser('long', hostile, '').home, '/long');
  t.deepEqual(resolveUser('ok', hostile, 'g:x:9:ok\r\nbad:x:zz:ok\n'), { uid: 77, gid: 88, additionalGids: [9], home: '/ok' });
});

test('hostile group lines are skipped and members are trimmed, empty ones dropped', (t) => {
  const groups = parseGroup('a:x:1:u1,,u2,\nb:x:notanumber:u1\nc\nd:x:4\n\0:x:5:u1\n');
  t.deepEqual(groups, [
    { name: 'a', gid: 1, members: ['u1', 'u2'] },
    { name: 'd', gid: 4, members: [] },
  ]);
});

test('a group listed twice gives its gid once', (t) => {
  const passwd = 'u:x:5:5::/home/u:';
  t.deepEqual(resolveUser('u', passwd, 'g:x:9:u\ng2:x:9:u\nh:x:10:u').additionalGids, [9, 10]);
});

test('a file of garbage parses to nothing without throwing', (t) => {
  const garbage = Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 7919) % 256)).toString('latin1');
  t.notThrows(() => parsePasswd(garbage));
  t.notThrows(() => parseGroup(garbage));
  t.deepEqual(resolveUser('12', garbage, garbage), { uid: 12, gid: 0, additionalGids: [], home: '/' });
});
