import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { SysError } from './errors.ts';
import { scratchDir } from './testing/scratch.ts';
import { XATTR_CREATE, lgetxattr, llistxattr, lremovexattr, lsetxattr } from './xattr.ts';

function scratchFile(t: Parameters<typeof scratchDir>[0], name = 'file'): string {
  const p = path.join(scratchDir(t), name);
  fs.writeFileSync(p, 'content');
  return p;
}

/**
 * A VFS_CAP_REVISION_2 security.capability value (<linux/capability.h>): magic_etc with the
 * effective flag, then permitted/inheritable for caps 0-31 and 32-63, each little-endian u32.
 * Permitted: CAP_NET_BIND_SERVICE (10), CAP_NET_RAW (13) and CAP_SETFCAP (31), so bytes above
 * 0x7f and runs of NULs both occur.
 */
const capability = Buffer.from([
  0x01, 0x00, 0x00, 0x02, // VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE
  0x00, 0x24, 0x00, 0x80, // permitted[0]
  0x00, 0x00, 0x00, 0x00, // inheritable[0]
  0x00, 0x00, 0x00, 0x00, // permitted[1]
  0x00, 0x00, 0x00, 0x00, // inheritable[1]
]);

for (const namespace of ['user', 'trusted']) {
  test(`${namespace}.* attributes are set, read, listed and removed on tmpfs`, (t) => {
    const p = scratchFile(t);
    lsetxattr(p, `${namespace}.a`, Buffer.from('first'));
    lsetxattr(p, `${namespace}.empty`, Buffer.alloc(0));
    t.deepEqual(lgetxattr(p, `${namespace}.a`), Buffer.from('first'));
    t.deepEqual(lgetxattr(p, `${namespace}.empty`), Buffer.alloc(0));
    t.deepEqual(llistxattr(p).sort(), [`${namespace}.a`, `${namespace}.empty`]);

    lremovexattr(p, `${namespace}.a`);
    t.is(lgetxattr(p, `${namespace}.a`), undefined);
    t.deepEqual(llistxattr(p), [`${namespace}.empty`]);
  });
}

test('a binary security.capability value round-trips byte for byte', (t) => {
  const p = scratchFile(t);
  lsetxattr(p, 'security.capability', capability);
  t.deepEqual(lgetxattr(p, 'security.capability'), capability);
  t.true(llistxattr(p).includes('security.capability'));
});

test('a 60 KiB value is read whole, the buffer sized by asking the kernel first', (t) => {
  const p = scratchFile(t);
  const big = Buffer.alloc(60 * 1024, 0);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7 + 3) & 0xff;
  lsetxattr(p, 'user.big', big);
  t.deepEqual(lgetxattr(p, 'user.big'), big);
});

test('an absent attribute reads as undefined and a file without attributes lists none', (t) => {
  const p = scratchFile(t);
  t.is(lgetxattr(p, 'user.absent'), undefined);
  t.deepEqual(llistxattr(p), []);
});

test("a symlink's own attributes are read, not its target's", (t) => {
  const target = scratchFile(t);
  const link = path.join(path.dirname(target), 'link');
  fs.symlinkSync(target, link);
  lsetxattr(target, 'trusted.who', Buffer.from('target'));
  lsetxattr(target, 'trusted.only-target', Buffer.from('x'));
  lsetxattr(link, 'trusted.who', Buffer.from('link'));

  t.deepEqual(lgetxattr(link, 'trusted.who'), Buffer.from('link'));
  t.is(lgetxattr(link, 'trusted.only-target'), undefined);
  t.deepEqual(llistxattr(link), ['trusted.who']);
  lremovexattr(link, 'trusted.who');
  t.deepEqual(lgetxattr(target, 'trusted.who'), Buffer.from('target'));
});

test('failures are SysErrors naming the call and the path', (t) => {
  const p = scratchFile(t);
  const missing = `${p}.missing`;
  t.is(t.throws(() => lgetxattr(missing, 'user.a'), { instanceOf: SysError })?.message, `lgetxattr ${missing}: ENOENT`);
  t.is(t.throws(() => llistxattr(missing), { instanceOf: SysError })?.message, `llistxattr ${missing}: ENOENT`);
  t.is(t.throws(() => lremovexattr(p, 'user.absent'), { instanceOf: SysError })?.code, 'ENODATA');
  lsetxattr(p, 'user.once', Buffer.from('1'));
  t.is(
    t.throws(() => lsetxattr(p, 'user.once', Buffer.from('2'), XATTR_CREATE), { instanceOf: SysError })?.message,
    `lsetxattr ${p}: EEXIST`,
  );
});

// The value's size changes between our size query and our read often enough, under a writer
// flipping it, that a reader without the ERANGE retry fails within a few thousand reads.
const FLIPPER = `
import { lsetxattr } from ${JSON.stringify(new URL('./index.ts', import.meta.url).href)};
const [p, small, large] = [process.argv[1], Buffer.from(process.argv[2]), Buffer.alloc(4096, 0xab)];
console.log('ready');
for (;;) { lsetxattr(p, 'user.flip', small); lsetxattr(p, 'user.flip', large); }
`;

test('a value that grows while it is read is read again, never truncated', async (t) => {
  const p = scratchFile(t);
  const small = Buffer.from('small');
  const large = Buffer.alloc(4096, 0xab);
  lsetxattr(p, 'user.flip', small);
  const flipper = spawn(process.execPath, ['--input-type=module', '-e', FLIPPER, p, small.toString()], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => flipper.kill('SIGKILL'));
  await once(flipper.stdout, 'data');

  let reads = 0;
  for (const end = Date.now() + 1000; Date.now() < end; reads++) {
    const value = lgetxattr(p, 'user.flip');
    if (!(value?.equals(small) || value?.equals(large))) t.fail(`read ${reads}: unexpected value of ${value?.length} bytes`);
  }
  t.true(reads > 1000, `${reads} reads`);
});
