import test from 'ava';
import { InvalidArgumentError, NotFoundError, UsageError } from '@layerctl/sys';
import { reportError } from './report-error.ts';

function report(error: unknown, debug = false) {
  let stderr = '';
  const code = reportError(error, { debug, stderr: { write: (text: string) => (stderr += text) } });
  return { code, stderr };
}

test('a LayerctlError is one line with its message and exits 1', (t) => {
  t.deepEqual(report(new NotFoundError('image busybox: not found')), { code: 1, stderr: 'layerctl: image busybox: not found\n' });
});

test('a UsageError exits 2', (t) => {
  t.is(report(new UsageError('Unknown argument: x')).code, 2);
});

test('an error layerctl did not foresee exits 1 and points at --debug', (t) => {
  t.deepEqual(report(new TypeError('x is not a function')), {
    code: 1,
    stderr: 'layerctl: x is not a function (run with --debug for details)\n',
  });
});

test('a message over several lines is printed on one', (t) => {
  t.is(report(new InvalidArgumentError('first\n  second')).stderr, 'layerctl: first second\n');
});

test('--debug adds every cause, outermost first, with stacks', (t) => {
  const root = new RangeError('the innermost');
  const error = new InvalidArgumentError('the outer', { cause: root });
  const { code, stderr } = report(error, true);
  t.is(code, 1);
  const [first, ...rest] = stderr.split('\n');
  t.is(first, 'layerctl: the outer');
  const chain = rest.join('\n');
  t.regex(chain, /^error: InvalidArgumentError: the outer\n\s+at /);
  t.regex(chain, /\ncaused by: RangeError: the innermost\n\s+at /);
});

test('something thrown that is not an Error still becomes one line', (t) => {
  t.deepEqual(report('a string'), { code: 1, stderr: 'layerctl: a string (run with --debug for details)\n' });
});
