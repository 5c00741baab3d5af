import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, NotFoundError } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import test from 'ava';
import { readImageUser } from './read-image-user.ts';

function rootfs(t: Parameters<typeof scratchDir>[0]): { root: string; sentinel: string } {
  const dir = scratchDir(t);
  const root = path.join(dir, 'rootfs');
  const sentinel = path.join(dir, 'sentinel');
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  fs.mkdirSync(sentinel);
  return { root, sentinel };
}

test("a user is read from the image's passwd and group, with its supplementary groups", (t) => {
  const { root } = rootfs(t);
  fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n');
  fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\napp:x:1000:\nwheel:x:10:app\n');
  t.deepEqual(readImageUser(root, 'app'), { uid: 1000, gid: 1000, additionalGids: [10], home: '/home/app' });
  t.deepEqual(readImageUser(root, '1000:10'), { uid: 1000, gid: 10, additionalGids: [], home: '/home/app' });
});

test("an image whose /etc/passwd links to a host file reads its own path inside the rootfs, not the host's file", (t) => {
  const { root, sentinel } = rootfs(t);
  fs.writeFileSync(path.join(sentinel, 'passwd'), 'secret:x:4242:4242::/:/bin/sh\n');
  fs.symlinkSync(path.join(sentinel, 'passwd'), path.join(root, 'etc/passwd'));
  t.throws(() => readImageUser(root, 'secret'), { instanceOf: NotFoundError });
  t.deepEqual(readImageUser(root, '0'), { uid: 0, gid: 0, additionalGids: [], home: '/' });
});

test('a FIFO planted as /etc/passwd is refused at once instead of hanging the read', (t) => {
  const { root } = rootfs(t);
  execFileSync('mkfifo', [path.join(root, 'etc/passwd')]);
  t.throws(() => readImageUser(root, 'app'), { instanceOf: InvalidArgumentError, message: 'image file /etc/passwd is not a regular file' });
});
