import { PassThrough } from 'node:stream';
import test from 'ava';
import { render } from 'ink-testing-library';
import { endAll, runProgress, runSteps } from './run-progress.ts';
import { RunProgressView } from './run-progress-view.ts';

test('a new step ends the one before it; endAll ends what still runs', (t) => {
  const one = runSteps([], 'unpack', 'unpacking', 10);
  const two = runSteps(one, 'layers', 'layers', 25);
  t.deepEqual(two.map((step) => [step.name, step.startedAt, step.endedAt]), [['unpack', 10, 25], ['layers', 25, undefined]]);
  t.deepEqual(endAll(two, 30).map((step) => step.endedAt), [25, 30]);
});

test('without a terminal, auto prints only the slow step and plain prints every one', async (t) => {
  const lines = async (mode: 'auto' | 'plain'): Promise<string> => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const progress = runProgress(mode, out);
    progress.step('unpack', 'unpacking 1 layers of busybox');
    progress.step('layers', 'creating the init and rw layers');
    await progress.close();
    return text;
  };
  t.is(await lines('auto'), 'unpacking 1 layers of busybox\n');
  t.is(await lines('plain'), 'unpacking 1 layers of busybox\ncreating the init and rw layers\n');
});

test('the terminal view marks running and finished steps, with the time a finished one took', async (t) => {
  const ink = await import('ink');
  const steps = [
    { name: 'unpack' as const, text: 'unpacking', startedAt: 0, endedAt: 120 },
    { name: 'layers' as const, text: 'creating layers', startedAt: 120, endedAt: undefined },
  ];
  const { lastFrame, unmount } = render(RunProgressView({ steps }, ink));
  t.is(lastFrame(), '✔ unpacking (120 ms)\n… creating layers');
  unmount();
});
