import test from 'ava';
import { LayerctlError, NotSupportedError } from '@layerctl/sys';
import { runNetworkTools, throwFirstFailure } from './network-tool.ts';

test('tools run at the same time: two sleeps of 0.3 s take well under 0.6 s', (t) => {
  const start = performance.now();
  runNetworkTools([{ program: 'sleep', args: ['0.3'] }, { program: 'sleep', args: ['0.3'] }]);
  t.true(performance.now() - start < 550, `took ${performance.now() - start} ms`);
});

test('each call reads its own input, and a failure names its command and what the tool said', (t) => {
  const error = t.throws(() => throwFirstFailure(runNetworkTools([
    { program: 'grep', args: ['-q', 'it\'s here'], input: 'yes: it\'s here\n' },
    { program: 'sh', args: ['-c', 'read line; echo "got $line" >&2; exit 3'], input: 'second input\n' },
  ])), { instanceOf: LayerctlError });
  t.regex(error.message, /^sh -c .* failed \(status 3\): got second input \(input: second input\.\.\.\)$/);
});

test('a missing tool is reported as not installed', (t) => {
  const [ran, missing] = runNetworkTools([{ program: 'true', args: [] }, { program: 'layerctl-no-such-tool', args: [] }]);
  t.is(ran, undefined);
  t.true(missing instanceof NotSupportedError);
  t.regex(missing?.message ?? '', /layerctl-no-such-tool is not installed/);
});

test('each call\'s failure is reported in its place, undefined for those that succeeded', (t) => {
  const failures = runNetworkTools([{ program: 'true', args: [] }, { program: 'false', args: [] }, { program: 'grep', args: ['-q', 'x'], input: 'x\n' }]);
  t.is(failures.length, 3);
  t.is(failures[0], undefined);
  t.regex(failures[1]?.message ?? '', /^false failed \(status 1\)/);
  t.is(failures[2], undefined);
  t.deepEqual(runNetworkTools([{ program: 'false', args: [] }]).map((failure) => failure instanceof LayerctlError), [true], 'one call alone too');
});
