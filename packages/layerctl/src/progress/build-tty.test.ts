import test from 'ava';
import React from 'react';
import { render } from 'ink-testing-library';
import type { BuildEvent } from '@layerctl/builder';
import { BuildProgress, BuildProgressApp, SPINNER_FRAMES, fit, withRight, type BuildStore } from './build-tty-components.ts';
import { EMPTY_BUILD_VIEW, buildViewReducer, type BuildView } from './build-view-model.ts';

const T0 = 1_700_000_000_000;

function viewOf(events: BuildEvent[]): BuildView {
  return events.reduce(buildViewReducer, EMPTY_BUILD_VIEW);
}

const RUNNING: BuildEvent[] = [
  { type: 'build-started', total: 3, at: T0 },
  { type: 'step-cached', step: 1, name: '[1/3] FROM busybox', at: T0 + 10 },
  { type: 'step-started', step: 2, name: '[2/3] COPY app.sh /app/', at: T0 + 20 },
  { type: 'layer-written', step: 2, diffId: 'sha256:aa', size: 4096, at: T0 + 100 },
  { type: 'step-done', step: 2, at: T0 + 120, ms: 100 },
  { type: 'step-started', step: 3, name: '[3/3] RUN ./build.sh', at: T0 + 200 },
  ...Array.from({ length: 10 }, (_, i): BuildEvent => ({ type: 'step-log', step: 3, stream: 'stdout', line: `compiling part ${i + 1}`, at: T0 + 300 + i })),
];

test('the frame shows the header with elapsed time and steps done, CACHED and DONE lines with time and layer size, and the running step with a spinner and its last output', (t) => {
  const { lastFrame, unmount } = render(React.createElement(BuildProgress, { view: viewOf(RUNNING), now: T0 + 2500, columns: 80, rows: 24 }));
  const frame = lastFrame() ?? '';
  t.teardown(unmount);
  t.regex(frame, /\[\+\] Building 2\.5s \(2\/3\)/);
  t.regex(frame, / => CACHED \[1\/3\] FROM busybox/);
  t.regex(frame, / => \[2\/3\] COPY app\.sh \/app\/ +0\.1s  4\.1kB/);
  t.regex(frame, new RegExp(`[${SPINNER_FRAMES.join('')}] \\[3/3\\] RUN \\./build\\.sh +2\\.3s`));
  t.regex(frame, /> compiling part 10/);
  t.notRegex(frame, /> compiling part 4\n/, 'only the last few lines of output are kept');
});

test('output that outruns the screen is cut so the live part fits the rows there are', (t) => {
  const { lastFrame, unmount } = render(React.createElement(BuildProgress, { view: viewOf(RUNNING), now: T0 + 2500, columns: 80, rows: 5 }));
  t.teardown(unmount);
  const live = (lastFrame() ?? '').split('\n').filter((line) => line.includes('compiling') || line.includes('RUN'));
  t.true(live.length <= 5 - 2, live.join('\n'));
  t.regex(live.at(-1) ?? '', /compiling part 10/, 'the newest line is the one kept');
});

test('a narrow terminal truncates each line to its width instead of wrapping', (t) => {
  const { lastFrame, unmount } = render(React.createElement(BuildProgress, { view: viewOf(RUNNING), now: T0 + 2500, columns: 24, rows: 24 }));
  t.teardown(unmount);
  for (const line of (lastFrame() ?? '').split('\n')) t.true(line.length <= 24, JSON.stringify(line));
});

test('a failed step shows ERROR and its message; a finished build says Finished with its total time', (t) => {
  const failed = viewOf([...RUNNING, { type: 'step-failed', step: 3, at: T0 + 900, message: 'the command returned a non-zero code: 2' }]);
  const first = render(React.createElement(BuildProgress, { view: failed, now: T0 + 1000, columns: 80, rows: 24 }));
  t.teardown(first.unmount);
  t.regex(first.lastFrame() ?? '', / => ERROR \[3\/3\] RUN \.\/build\.sh +0\.7s\n +the command returned a non-zero code: 2/);
  const done = viewOf([...RUNNING.slice(0, 5), { type: 'build-done', imageId: 'sha256:bb', names: ['app:latest'], at: T0 + 3000, ms: 3000 }]);
  const second = render(React.createElement(BuildProgress, { view: done, now: T0 + 9999, columns: 80, rows: 24 }));
  t.teardown(second.unmount);
  t.regex(second.lastFrame() ?? '', /\[\+\] Finished 3\.0s \(2\/3\)/);
});

test('the live app redraws as events arrive in its store', async (t) => {
  let view = EMPTY_BUILD_VIEW;
  const listeners = new Set<() => void>();
  const store: BuildStore = {
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getView: () => view,
  };
  const { lastFrame, unmount } = render(React.createElement(BuildProgressApp, { store }));
  t.teardown(unmount);
  for (const event of RUNNING.slice(0, 3)) {
    view = buildViewReducer(view, { ...event, at: Date.now() });
    for (const listener of listeners) listener();
  }
  await new Promise((resolve) => setTimeout(resolve, 150));
  t.regex(lastFrame() ?? '', /\(1\/3\)/);
  t.regex(lastFrame() ?? '', /\[2\/3\] COPY app\.sh/);
});

test('fit and withRight keep lines within the width', (t) => {
  t.is(fit('abcdef', 4), 'abc…');
  t.is(fit('abc', 4), 'abc');
  t.is(withRight('left', '1.0s', 12), 'left    1.0s');
  t.is(withRight('a long step name', '1.0s', 12), 'a long… 1.0s');
});
