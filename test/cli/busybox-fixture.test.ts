import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { scratchDir } from '@layerctl/sys/testing';
import { makeBusyboxTar } from './busybox-tar.ts';

const run = promisify(execFile);

function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** `tar -tv` of the fixture: mode string, owner, size and name (with the link target) per entry. */
async function listing(tar: string): Promise<Map<string, string>> {
  const { stdout } = await run('tar', ['--numeric-owner', '--full-time', '-tvf', tar]);
  const entries = new Map<string, string>();
  for (const line of stdout.trim().split('\n')) {
    const match = /^(\S+) (\d+\/\d+) +\d+ \S+ \S+ (.+)$/.exec(line);
    if (match === null) throw new TypeError(`unexpected tar -tv line: ${line}`);
    const [, mode, owner, name] = match;
    entries.set((name ?? '').replace(/ -> .*$/, ''), `${mode} ${owner} ${name}`);
  }
  return entries;
}

test('the busybox rootfs tarball is the same bytes every time it is built', async (t) => {
  const dir = scratchDir(t);
  const first = await makeBusyboxTar(dir);
  const again = path.join(dir, 'again.tar');
  fs.renameSync(first, again);
  const second = await makeBusyboxTar(dir);
  t.is(sha256File(second), sha256File(again));
});

test('the busybox rootfs has the binary, relative applet links, passwd and group, and a sticky /tmp, all owned by 0:0', async (t) => {
  const entries = await listing(await makeBusyboxTar(scratchDir(t)));
  t.regex(entries.get('bin/busybox') ?? '', /^-rwxr-xr-x 0\/0 /);
  t.is(entries.get('bin/sh'), 'lrwxrwxrwx 0/0 bin/sh -> busybox');
  t.is(entries.get('usr/bin/env'), 'lrwxrwxrwx 0/0 usr/bin/env -> ../../bin/busybox');
  t.is(entries.get('sbin/ip'), 'lrwxrwxrwx 0/0 sbin/ip -> ../bin/busybox');
  t.regex(entries.get('etc/passwd') ?? '', /^-rw-r--r-- 0\/0 /);
  t.regex(entries.get('etc/group') ?? '', /^-rw-r--r-- 0\/0 /);
  t.is(entries.get('tmp/'), 'drwxrwxrwt 0/0 tmp/');
  t.is(entries.get('root/'), 'drwx------ 0/0 root/');
  t.true([...entries.values()].every((entry) => entry.split(' ')[1] === '0/0'));
  t.true(entries.size > 250, `${entries.size} entries: every applet has its link`);
});
