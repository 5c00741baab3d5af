import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { isMountPoint } from './mount-points.ts';
import { scratchDir } from './testing/scratch.ts';

// Namespace calls move the calling thread for good, so each runs in a child Node process.
function runChild(code: string): { status: number | null; stdout: string; stderr: string } {
  const sys = new URL('.', import.meta.url).href;
  const script = code.replaceAll('SYS/', sys);
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('unshare(CLONE_NEWUTS) gives the thread its own hostname; the host keeps its own', (t) => {
  const before = fs.readFileSync('/proc/sys/kernel/hostname', 'utf8');
  const child = runChild(`
    import os from 'node:os';
    import { unshare, sethostname, CLONE_NEWUTS } from 'SYS/namespaces.ts';
    unshare(CLONE_NEWUTS);
    sethostname('layerctl-uts-test');
    console.log(os.hostname());
  `);
  t.is(child.stderr, '');
  t.is(child.stdout.trim(), 'layerctl-uts-test');
  t.is(fs.readFileSync('/proc/sys/kernel/hostname', 'utf8'), before);
});

test('a new network namespace has lo only, and interfaceUp brings it up; execve runs ip there', (t) => {
  const child = runChild(`
    import { unshare, CLONE_NEWNET } from 'SYS/namespaces.ts';
    import { interfaceUp } from 'SYS/interface-up.ts';
    import { execve } from 'SYS/execve.ts';
    import { setCloexec } from 'SYS/cloexec.ts';
    unshare(CLONE_NEWNET);
    interfaceUp('lo');
    for (const fd of [0, 1, 2]) setCloexec(fd, false);
    execve('/sbin/ip', ['ip', '-o', 'link', 'show'], []);
  `);
  t.is(child.status, 0, child.stderr);
  const lines = child.stdout.trim().split('\n');
  t.is(lines.length, 1);
  t.regex(lines[0] ?? '', /^1: lo: <LOOPBACK,UP,LOWER_UP>/);
});

test('execve of a missing file throws ENOENT naming it and the process goes on', (t) => {
  const child = runChild(`
    import { execve } from 'SYS/execve.ts';
    try { execve('/nonexistent/program', ['x'], []); } catch (e) { console.log(e.message); }
  `);
  t.is(child.stdout.trim(), 'execve /nonexistent/program: ENOENT');
});

test('pivot_root(".", ".") then a detached unmount leaves the new root as /, and the host sees no mount', (t) => {
  const dir = scratchDir(t);
  const root = path.join(dir, 'root');
  fs.mkdirSync(root);
  fs.writeFileSync(path.join(root, 'marker'), 'inside');
  const child = runChild(`
    import fs from 'node:fs';
    import { unshare, pivotRoot, CLONE_NEWNS } from 'SYS/namespaces.ts';
    import { mount, umount2 } from 'SYS/mount.ts';
    import { MS_BIND, MS_PRIVATE, MS_REC, MNT_DETACH } from 'SYS/mount-flags.ts';
    unshare(CLONE_NEWNS);
    mount('', '/', null, MS_REC | MS_PRIVATE);
    mount(${JSON.stringify(root)}, ${JSON.stringify(root)}, null, MS_BIND | MS_REC);
    process.chdir(${JSON.stringify(root)});
    pivotRoot('.', '.');
    umount2('.', MNT_DETACH);
    console.log(JSON.stringify(fs.readdirSync('/')), fs.readFileSync('/marker', 'utf8'));
  `);
  t.is(child.stderr, '');
  t.is(child.stdout.trim(), '["marker"] inside');
  t.false(isMountPoint(root));
});
