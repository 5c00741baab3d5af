import fs from 'node:fs';
import test from 'ava';
import { busyboxTarForFile } from './busybox-tar.ts';
import { buildScratch, cachedAndRun } from './build-scratch.ts';

const busyboxTar = busyboxTarForFile(test);

test('multi-stage: the final stage copies the compiled program --from the build stage; the unneeded stage is skipped', async (t) => {
  const { build, fixture, imageFile, config } = await buildScratch(t, busyboxTar());
  const built = await build(['-t', 'program', fixture('multi-stage')]);
  t.is(built.code, 0, built.stderr);
  const names = cachedAndRun(built.events).run;
  t.false(names.some((name) => name.startsWith('[docs ')), 'the docs stage is not built');
  t.true(names.some((name) => name.startsWith('[build ')));
  t.like(await imageFile('program', '/usr/local/bin/program'), { content: '#!/bin/sh\n# generated program: do not edit\nset -e\necho "compiled program says hi"\n', mode: 0o755 });
  const diffIds = (config(built.imageId)['rootfs'] as { diff_ids: unknown[] }).diff_ids;
  t.is(diffIds.length, 2, 'busybox and the one copied file: nothing of the build stage');
});

test('--target builds only the named stage and what it needs', async (t) => {
  const { build, fixture, imageFile } = await buildScratch(t, busyboxTar());
  const built = await build(['-t', 'docs', '--target', 'docs', fixture('multi-stage')]);
  t.is(built.code, 0, built.stderr);
  const names = cachedAndRun(built.events).run;
  t.true(names.every((name) => name.startsWith('[docs ')), names.join(', '));
  t.is((await imageFile('docs', '/README'))?.content, 'this stage is never built for the default target\n');
});

test('stages that do not depend on each other run at the same time', async (t) => {
  const { build, context } = await buildScratch(t, busyboxTar());
  const dir = context('parallel', {
    Dockerfile: [
      'FROM busybox AS left',
      'RUN sleep 1 && echo left > /left.txt',
      'FROM busybox AS right',
      'RUN sleep 1 && echo right > /right.txt',
      'FROM busybox',
      'COPY --from=left /left.txt /',
      'COPY --from=right /right.txt /',
      '',
    ].join('\n'),
  });
  const built = await build(['-t', 'parallel', dir]);
  t.is(built.code, 0, built.stderr);
  const order = built.events.filter((e) => (e.type === 'step-started' || e.type === 'step-done') && e.step !== undefined).map((e) => `${e.type}:${e.step}`);
  const leftRun = order.indexOf('step-done:2');
  const rightStart = order.indexOf('step-started:4');
  t.true(rightStart !== -1 && rightStart < leftRun, `the right RUN started before the left one finished: ${order.join(' ')}`);
});

test('COPY --from an image in the store reads that image', async (t) => {
  const { build, context, imageFile, dir } = await buildScratch(t, busyboxTar());
  const built = await build(['-t', 'from-image', context('from-image', { Dockerfile: 'FROM scratch\nCOPY --from=busybox /bin/busybox /busybox\nCMD ["/busybox", "echo", "scratch with busybox"]\n' })]);
  t.is(built.code, 0, built.stderr);
  const copied = await imageFile('from-image', '/busybox');
  t.is(copied?.size, fs.statSync('/bin/busybox').size, `the busybox binary of the image (${dir})`);
});

test('FROM an earlier stage builds on its result', async (t) => {
  const { build, context, imageFile } = await buildScratch(t, busyboxTar());
  const dir = context('from-stage', { Dockerfile: 'FROM busybox AS base\nENV WHO=base\nRUN echo base > /base.txt\nFROM base\nRUN echo "$WHO child" >> /base.txt\nCMD ["cat", "/base.txt"]\n' });
  const built = await build(['-t', 'child', dir]);
  t.is(built.code, 0, built.stderr);
  t.is((await imageFile('child', '/base.txt'))?.content, 'base\nbase child\n');
});
