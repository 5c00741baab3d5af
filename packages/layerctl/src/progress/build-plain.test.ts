import test from 'ava';
import type { BuildEvent } from '@layerctl/builder';
import { jsonBuildLine } from './build-json.ts';
import { plainBuildFormatter } from './build-plain.ts';

const T0 = 1_700_000_000_000;

const EVENTS: BuildEvent[] = [
  { type: 'build-started', total: 3, at: T0 },
  { type: 'step-cached', step: 1, name: '[1/3] FROM busybox', at: T0 + 5 },
  { type: 'step-started', step: 2, name: '[2/3] RUN make', at: T0 + 10 },
  { type: 'step-log', step: 2, stream: 'stdout', line: 'cc -o app app.c', at: T0 + 1234 },
  { type: 'layer-written', step: 2, diffId: 'sha256:ab', size: 12_300, at: T0 + 1500 },
  { type: 'step-done', step: 2, at: T0 + 1500, ms: 1490 },
  { type: 'step-failed', step: 3, at: T0 + 1600, message: 'boom' },
  { type: 'build-done', imageId: 'sha256:cd', names: ['docker.io/library/app:latest'], at: T0 + 2000, ms: 2000 },
];

test('plain progress is one stable line per event, numbered by step, output with seconds since the start', (t) => {
  const format = plainBuildFormatter();
  t.deepEqual(EVENTS.map(format), [
    '#0 building 3 steps',
    '#1 CACHED [1/3] FROM busybox',
    '#2 [2/3] RUN make',
    '#2 1.234 cc -o app app.c',
    '#2 layer sha256:ab 12.3kB',
    '#2 DONE 1.5s',
    '#3 ERROR boom',
    '#0 DONE image sha256:cd docker.io/library/app:latest in 2.0s',
  ]);
});

test('json progress is each event as one line of JSON that parses back to it', (t) => {
  for (const event of EVENTS) {
    const line = jsonBuildLine(event);
    t.false(line.includes('\n'));
    t.deepEqual(JSON.parse(line), event);
  }
});
