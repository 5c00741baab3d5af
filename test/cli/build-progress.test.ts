import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import test from 'ava';
import { busyboxTarForFile } from './busybox-tar.ts';
import { buildScratch } from './build-scratch.ts';
import { LAYERCTL_BIN } from './run-layerctl.ts';

const busyboxTar = busyboxTarForFile(test);

test('--progress auto without a terminal prints plain lines: one per event, CACHED steps on a rebuild', async (t) => {
  const { layerctl, fixture, cgroupParent } = await buildScratch(t, busyboxTar());
  const dir = fixture('multi-stage');
  const first = await layerctl(['build', '--cgroup-parent', cgroupParent, '-t', 'p', dir]);
  t.is(first.code, 0, first.stderr);
  t.regex(first.stderr, /^#0 building 7 steps\n/);
  // Independent stages run at once, so another step's lines may come between step 4's own.
  const step4 = first.stderr.split('\n').filter((line) => line.startsWith('#4 ')).join('\n');
  t.regex(step4, /^#4 \[build 4\/4\] RUN mkdir -p \/out .*\n#4 layer sha256:[0-9a-f]{64} [\d.]+kB\n#4 DONE \d+\.\ds$/);
  t.regex(first.stderr, /\n#0 DONE image sha256:[0-9a-f]{64} docker\.io\/library\/p:latest in \d+\.\ds\n$/);
  const again = await layerctl(['build', '--cgroup-parent', cgroupParent, '-t', 'p', dir]);
  t.regex(again.stderr, /\n#4 CACHED \[build 4\/4\] RUN mkdir -p \/out/);
  t.is(again.stdout, first.stdout, 'the same image id on stdout');
});

test('plain progress shows every line a quick RUN prints, on stdout and stderr, under its step', async (t) => {
  const { layerctl, context, cgroupParent } = await buildScratch(t, busyboxTar());
  const dir = context('quick-run', { Dockerfile: 'FROM busybox\nRUN echo to-stdout && echo to-stderr >&2\n' });
  const result = await layerctl(['build', '--progress', 'plain', '--cgroup-parent', cgroupParent, '-t', 'quick', dir]);
  t.is(result.code, 0, result.stderr);
  t.regex(result.stderr, /\n#2 [\d.]+ to-stdout\n/);
  t.regex(result.stderr, /\n#2 [\d.]+ to-stderr\n/);
});

test('on a terminal the Ink display draws the build while a step runs and ends with Finished and the steps done', async (t) => {
  const { root, context, cgroupParent } = await buildScratch(t, busyboxTar());
  // A step that takes two seconds, so a frame with the build still running is drawn on any machine.
  const dir = context('slow-step', { Dockerfile: 'FROM busybox\nRUN sleep 2 && echo slept > /slept.txt\nCMD ["cat", "/slept.txt"]\n' });
  const command = [process.execPath, LAYERCTL_BIN, '--root', root, 'build', '--cgroup-parent', cgroupParent, '-t', 'slow', dir].map((word) => `'${word}'`).join(' ');
  // util-linux script(1) runs the build on a pseudo-terminal and copies what it draws to stdout.
  const { stdout } = await promisify(execFile)('script', ['-qfec', command, '/dev/null'], { env: { ...outsideCi(process.env), COLUMNS: '100', LINES: '30' } });
  t.regex(stdout, /\[\+\] Building \d+\.\ds \([01]\/3\)/);
  t.regex(stdout, /=> \[2\/3\] RUN sleep 2 && echo slept > \/slept\.txt +\d+\.\ds  [\d.]+kB/);
  t.regex(stdout, /\[\+\] Finished \d+\.\ds \(3\/3\)/);
  t.regex(stdout, /sha256:[0-9a-f]{64}/);
});

/**
 * The environment without the variables that tell Ink it runs under CI (CI, CONTINUOUS_INTEGRATION,
 * CI_*): there Ink draws only the last frame, and this test is about the frames before it.
 */
function outsideCi(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => key !== 'CI' && key !== 'CONTINUOUS_INTEGRATION' && !key.startsWith('CI_')));
}
