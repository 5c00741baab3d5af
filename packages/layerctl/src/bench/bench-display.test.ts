import { PassThrough } from 'node:stream';
import test from 'ava';
import * as ink from 'ink';
import { render } from 'ink-testing-library';
import { benchProgressState, openBenchDisplay, RECENT_LINES } from './bench-display.ts';
import { BenchProgressView } from './bench-display-view.ts';

const start = { where: '', recent: [], startedAt: 0 };

test('a [where] line moves the position; the message and plain lines join the last few lines', (t) => {
  let state = benchProgressState(start, 'filesystem 1/2: ext4 on /dev/loop3');
  state = benchProgressState(state, '[ext4 1/2 · overlay2 1/3 · DiffN 4/13] DiffN 10/1000');
  t.is(state.where, 'ext4 1/2 · overlay2 1/3 · DiffN 4/13');
  t.deepEqual(state.recent, ['filesystem 1/2: ext4 on /dev/loop3', 'DiffN 10/1000']);
  for (let i = 0; i < 10; i++) state = benchProgressState(state, `line ${i}`);
  t.is(state.recent.length, RECENT_LINES);
  t.is(state.recent.at(-1), 'line 9');
  t.is(state.where, 'ext4 1/2 · overlay2 1/3 · DiffN 4/13');
});

test('the terminal view shows the elapsed time, where the bench is and its last lines', (t) => {
  const state = benchProgressState(benchProgressState(start, '[xfs 2/2 · devmapper 3/3 · copy-up 10/13] copy-up: first write'), 'cleanup: done');
  const { lastFrame, unmount } = render(BenchProgressView({ state, now: 12_400 }, ink));
  const frame = lastFrame() ?? '';
  unmount();
  t.regex(frame, /layerctl bench drivers · 12 s/);
  t.regex(frame, /xfs 2\/2 · devmapper 3\/3 · copy-up 10\/13/);
  t.regex(frame, /copy-up: first write\n.*cleanup: done/);
});

test('without a terminal, auto prints each line as it is; json prints one object a line', async (t) => {
  const capture = async (mode: 'auto' | 'json'): Promise<string> => {
    const stream = new PassThrough();
    let text = '';
    stream.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    const display = await openBenchDisplay(mode, stream);
    display.line('[ext4 1/1 · overlay2 1/1 · Exists 1/1] moby Exists');
    await display.close();
    return text;
  };
  t.is(await capture('auto'), '[ext4 1/1 · overlay2 1/1 · Exists 1/1] moby Exists\n');
  const [line] = (await capture('json')).trim().split('\n');
  const parsed: unknown = JSON.parse(line ?? '');
  t.like(parsed, { text: '[ext4 1/1 · overlay2 1/1 · Exists 1/1] moby Exists' });
});
