import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { busyboxTarForFile } from './busybox-tar.ts';
import { buildScratch, cachedAndRun } from './build-scratch.ts';
import { networkLeftovers, NOTHING_LEFT } from './network-scratch.ts';
import { parseJson, records } from './json-output.ts';
import { must } from './snapshot-scratch.ts';

const busyboxTar = busyboxTarForFile(test);

test('the busybox app fixture builds into an image that layerctl run starts', async (t) => {
  const { build, fixture, layerctl, config, cgroupParent } = await buildScratch(t, busyboxTar());
  const built = await build(['-t', 'app', fixture('busybox-app')]);
  t.is(built.code, 0, built.stderr);
  t.regex(built.imageId, /^sha256:[0-9a-f]{64}$/);
  // Under the test's own cgroup parent, which its teardown removes, not layerctl's shared one.
  const ran = await layerctl(['run', '--rm', '--cgroup-parent', cgroupParent, 'app']);
  t.is(ran.code, 0, ran.stderr);
  t.is(ran.stdout, 'hello from layerctl\n');
  const image = config(built.imageId);
  t.like(image['config'], {
    User: 'www-data',
    WorkingDir: '/app',
    Entrypoint: ['/app/app.sh'],
    Cmd: ['--plain'],
    ExposedPorts: { '8080/tcp': {} },
    StopSignal: 'SIGTERM',
    Labels: { 'org.opencontainers.image.title': 'hello-app', 'org.opencontainers.image.version': '1.0' },
    Healthcheck: { Test: ['CMD', '/app/app.sh'], Interval: 30e9, Timeout: 3e9 },
  });
  t.deepEqual((image['config'] as { Env?: unknown }).Env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'APP_HOME=/app', 'GREETING=hello']);
});

test('each RUN, COPY and ADD is a layer; config-only steps are history entries with empty_layer', async (t) => {
  const { build, fixture, config } = await buildScratch(t, busyboxTar());
  const built = await build(['-t', 'app', fixture('busybox-app')]);
  t.is(built.code, 0, built.stderr);
  const image = config(built.imageId);
  const history = records(image['history']);
  const diffIds = (image['rootfs'] as { diff_ids: unknown[] }).diff_ids;
  t.is(diffIds.length, 1 + 3, 'the base layer, two COPY layers and one RUN layer');
  t.is(history.filter((entry) => entry['empty_layer'] !== true).length, diffIds.length);
  t.deepEqual(
    history.filter((entry) => entry['empty_layer'] === true).map((entry) => String(entry['created_by']).split(' ')[0]),
    ['LABEL', 'ENV', 'WORKDIR', 'EXPOSE', 'STOPSIGNAL', 'HEALTHCHECK', 'USER', 'ENTRYPOINT', 'CMD'],
  );
  t.is(image['created'], history.at(-1)?.['created'], 'the image is as old as its last step');
});

test('ARG takes --build-arg over its default, and RUN sees ARG and ENV values in its environment', async (t) => {
  const { build, context, imageFile } = await buildScratch(t, busyboxTar());
  const dir = context('args', {
    Dockerfile: 'FROM busybox\nARG WHO=default\nARG UNUSED\nENV MOOD=glad\nRUN echo "$WHO is $MOOD" > /out.txt\nCMD ["cat", "/out.txt"]\n',
  });
  t.is((await build(['-t', 'a1', dir])).code, 0);
  t.is((await build(['-t', 'a2', '--build-arg', 'WHO=alice', dir])).code, 0);
  t.is((await imageFile('a1', '/out.txt'))?.content, 'default is glad\n');
  t.is((await imageFile('a2', '/out.txt'))?.content, 'alice is glad\n');
});

test('RUN in exec form, in shell form through SHELL, and a heredoc script', async (t) => {
  const { build, context, imageFile } = await buildScratch(t, busyboxTar());
  const dir = context('run-forms', {
    Dockerfile: [
      'FROM busybox',
      'RUN ["/bin/sh", "-c", "echo exec > /exec.txt"]',
      'SHELL ["/bin/sh", "-ec"]',
      'RUN echo shell > /shell.txt',
      'RUN <<EOF',
      'echo one > /heredoc.txt',
      'echo two >> /heredoc.txt',
      'EOF',
      'CMD ["cat", "/exec.txt", "/shell.txt", "/heredoc.txt"]',
      '',
    ].join('\n'),
  });
  const built = await build(['-t', 'forms', dir]);
  t.is(built.code, 0, built.stderr);
  const files = await Promise.all(['/exec.txt', '/shell.txt', '/heredoc.txt'].map(async (file) => (await imageFile('forms', file))?.content));
  t.deepEqual(files, ['exec\n', 'shell\n', 'one\ntwo\n']);
});

test('a failing RUN fails the build naming the line and the exit code, and leaves no image', async (t) => {
  const { build, context, layerctl } = await buildScratch(t, busyboxTar());
  const dir = context('fails', { Dockerfile: 'FROM busybox\nRUN echo about to fail && exit 3\n' });
  const built = await build(['-t', 'broken', dir]);
  t.is(built.code, 1);
  t.regex(built.stderr, /layerctl: Dockerfile:2: RUN .*returned a non-zero code: 3/);
  t.is((await layerctl(['inspect', 'broken'])).code, 1);
  const active = records(parseJson(await must(t, layerctl, ['snapshot', 'ls', '--json']))).filter((s) => s['kind'] !== 'committed');
  t.deepEqual(active, [], 'the failed step left no snapshot behind');
});

test('COPY: --chown by name and --chmod, a directory copies its contents, wildcards into a directory', async (t) => {
  const { build, context, imageFile } = await buildScratch(t, busyboxTar());
  const dir = context('copy', {
    Dockerfile: [
      'FROM busybox',
      'COPY --chown=www-data:users --chmod=0640 conf/ /etc/app/',
      'COPY *.txt /texts/',
      'COPY one.txt /renamed',
      'CMD ["sh", "-c", "stat -c \'%n %U %G %a\' /etc/app/a.conf /etc/app/sub/b.conf; ls /texts; cat /renamed"]',
      '',
    ].join('\n'),
    'conf/a.conf': 'a\n',
    'conf/sub/b.conf': 'b\n',
    'one.txt': '1\n',
    'two.txt': '2\n',
  });
  const built = await build(['-t', 'copy', dir]);
  t.is(built.code, 0, built.stderr);
  // www-data is 33 and users 100 in the busybox fixture's /etc/passwd and /etc/group.
  t.like(await imageFile('copy', '/etc/app/a.conf'), { content: 'a\n', uid: 33, gid: 100, mode: 0o640 });
  t.like(await imageFile('copy', '/etc/app/sub/b.conf'), { content: 'b\n', uid: 33, gid: 100, mode: 0o640 });
  t.like(await imageFile('copy', '/texts/one.txt'), { content: '1\n', uid: 0, gid: 0 });
  t.like(await imageFile('copy', '/texts/two.txt'), { content: '2\n' });
  t.like(await imageFile('copy', '/renamed'), { content: '1\n' });
  t.is(await imageFile('copy', '/etc/app/conf/a.conf'), undefined, 'a directory source copies its contents, not itself');
});

test('.dockerignore keeps files out of COPY: a directory copy skips them, naming one is an error', async (t) => {
  const { build, fixture, imageFile } = await buildScratch(t, busyboxTar());
  const dir = fixture('busybox-app');
  fs.writeFileSync(path.join(dir, 'config/debug.log'), 'noise\n');
  const built = await build(['-t', 'app', dir]);
  t.is(built.code, 0, built.stderr);
  t.is((await imageFile('app', '/app/config/name.txt'))?.content, 'layerctl\n');
  t.is(await imageFile('app', '/app/config/debug.log'), undefined);
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'hunter2\n');
  fs.appendFileSync(path.join(dir, 'Dockerfile'), 'COPY secret.txt /\n');
  const refused = await build(['-t', 'leak', dir]);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /layerctl: Dockerfile:17: COPY secret\.txt: secret\.txt is excluded by \.dockerignore/);
});

test('ADD unpacks a local tar archive and refuses a URL with a clear error', async (t) => {
  const { build, context, imageFile, dir: scratch } = await buildScratch(t, busyboxTar());
  const dir = context('add', { Dockerfile: 'FROM busybox\nADD bundle.tar /opt/\nCMD ["cat", "/opt/inside/file.txt"]\n', 'inside/file.txt': 'from the archive\n' });
  const { execFileSync } = await import('node:child_process');
  execFileSync('tar', ['-cf', path.join(dir, 'bundle.tar'), '-C', dir, 'inside']);
  const built = await build(['-t', 'add', dir]);
  t.is(built.code, 0, built.stderr);
  t.is((await imageFile('add', '/opt/inside/file.txt'))?.content, 'from the archive\n');
  t.is(await imageFile('add', '/opt/bundle.tar'), undefined, 'the archive is unpacked, not copied');
  const url = context('add-url', { Dockerfile: 'FROM busybox\nADD https://example.com/x.tar.gz /x\n' });
  const refused = await build([url]);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /layerctl: Dockerfile:2: ADD https:\/\/example\.com\/x\.tar\.gz: layerctl does not fetch URLs/);
  t.true(fs.existsSync(scratch));
});

test('COPY from a heredoc writes the file, expanding variables when the delimiter is not quoted', async (t) => {
  const { build, context, imageFile } = await buildScratch(t, busyboxTar());
  const dir = context('heredoc', { Dockerfile: 'FROM busybox\nENV NAME=world\nCOPY <<EOF /hello.txt\nhello $NAME\nEOF\nCMD ["cat", "/hello.txt"]\n' });
  const built = await build(['-t', 'heredoc', dir]);
  t.is(built.code, 0, built.stderr);
  t.is((await imageFile('heredoc', '/hello.txt'))?.content, 'hello world\n');
});

test('VOLUME, SHELL and ONBUILD are recorded; ONBUILD triggers run in a build FROM that image', async (t) => {
  const { build, context, imageFile, config } = await buildScratch(t, busyboxTar());
  const base = context('onbuild-base', { Dockerfile: 'FROM busybox\nVOLUME /data\nSHELL ["/bin/sh", "-ec"]\nONBUILD RUN echo triggered > /trigger.txt\n' });
  const baseBuilt = await build(['-t', 'base-with-trigger', base]);
  t.is(baseBuilt.code, 0, baseBuilt.stderr);
  t.like(config(baseBuilt.imageId)['config'], { Volumes: { '/data': {} }, Shell: ['/bin/sh', '-ec'], OnBuild: ['RUN echo triggered > /trigger.txt'] });
  const child = context('onbuild-child', { Dockerfile: 'FROM base-with-trigger\nCMD ["cat", "/trigger.txt"]\n' });
  const childBuilt = await build(['-t', 'child', child]);
  t.is(childBuilt.code, 0, childBuilt.stderr);
  t.is((await imageFile('child', '/trigger.txt'))?.content, 'triggered\n');
  t.is((config(childBuilt.imageId)['config'] as { OnBuild?: unknown }).OnBuild, undefined, 'triggers fire once, they are not inherited');
  t.true(cachedAndRun(childBuilt.events).run.some((name) => name.includes('RUN echo triggered')));
});

test('a FROM image the store lacks is an error saying the builder pulls nothing', async (t) => {
  const { build, context } = await buildScratch(t, busyboxTar());
  const built = await build([context('missing', { Dockerfile: 'FROM alpine:3.20\n' })]);
  t.is(built.code, 1);
  t.regex(built.stderr, /FROM alpine:3\.20: .*not found.*pulls nothing/);
});

test('RUN steps get a bridge network by default, as docker build: eth0 besides lo, and nothing left after the build', async (t) => {
  const { build, context, imageFile, root } = await buildScratch(t, busyboxTar());
  const dir = context('net', { Dockerfile: 'FROM busybox\nRUN grep -c : /proc/net/dev > /interfaces && ip -4 -o addr show eth0 | grep -c inet > /addresses\n' });
  const built = await build(['-t', 'bridged', dir]);
  t.is(built.code, 0, built.stderr);
  t.is((await imageFile('bridged', '/interfaces'))?.content, '2\n', 'lo and eth0');
  t.is((await imageFile('bridged', '/addresses'))?.content, '1\n');
  t.deepEqual(networkLeftovers(root, []), NOTHING_LEFT);
});

test('RUN runs as USER in WORKDIR (made when missing), with the network RUN --network or --network asks for', async (t) => {
  const { build, context, imageFile } = await buildScratch(t, busyboxTar());
  const dir = context('user-workdir-network', {
    Dockerfile: [
      'FROM busybox',
      'WORKDIR /work/deep',
      'USER www-data',
      'RUN id -u > /tmp/uid && pwd > /tmp/pwd',
      'USER root',
      'RUN --network=none grep -c : /proc/net/dev > /isolated',
      'RUN grep -c : /proc/net/dev > /default',
      'CMD ["cat", "/tmp/uid", "/tmp/pwd", "/isolated"]',
      '',
    ].join('\n'),
  });
  const none = await build(['-t', 'none', '--network', 'none', dir]);
  t.is(none.code, 0, none.stderr);
  t.is((await imageFile('none', '/tmp/uid'))?.content, '33\n', 'the uid of www-data');
  t.is((await imageFile('none', '/tmp/pwd'))?.content, '/work/deep\n', 'the WORKDIR, made for the RUN');
  t.is((await imageFile('none', '/isolated'))?.content, '1\n', 'RUN --network=none: only lo');
  t.is((await imageFile('none', '/default'))?.content, '1\n', '--network none: the default RUN has only lo too');
  const host = await build(['-t', 'host', '--network', 'host', dir]);
  t.is(host.code, 0, host.stderr);
  const hostInterfaces = Number((await imageFile('host', '/default'))?.content);
  t.true(hostInterfaces > 1, `--network host: RUN sees the host's interfaces (${hostInterfaces})`);
});

test('global ARGs serve FROM, and a stage sees one only when it redeclares it without a default', async (t) => {
  const { build, context, imageFile } = await buildScratch(t, busyboxTar());
  const dir = context('global-args', {
    Dockerfile: [
      'ARG BASE=busybox',
      'ARG SHARED=global',
      'ARG OVERRIDDEN=global',
      'FROM $BASE',
      'RUN echo "[$SHARED]" > /before',
      'ARG SHARED',
      'ARG OVERRIDDEN=stage',
      'RUN echo "$SHARED $OVERRIDDEN" > /after',
      '',
    ].join('\n'),
  });
  const built = await build(['-t', 'scoped', '--network', 'none', dir]);
  t.is(built.code, 0, built.stderr);
  t.is((await imageFile('scoped', '/before'))?.content, '[]\n', 'not visible before it is redeclared');
  t.is((await imageFile('scoped', '/after'))?.content, 'global stage\n');
  const given = await build(['-t', 'given', '--network', 'none', '--build-arg', 'SHARED=cli', '--build-arg', 'OVERRIDDEN=cli', dir]);
  t.is(given.code, 0, given.stderr);
  t.is((await imageFile('given', '/after'))?.content, 'cli cli\n');
});
