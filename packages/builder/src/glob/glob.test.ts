import test from 'ava';
import { InvalidArgumentError } from '@layerctl/sys';
import { hasWildcards, pathGlob, shellGlob, unescapeGlob } from './glob.ts';

const PATH_TABLE: [string, string, boolean][] = [
  ['a*', 'abc', true],
  ['a*', 'a/b', false],
  ['a?c', 'abc', true],
  ['a?c', 'a/c', false],
  ['**', 'a/b/c', true],
  ['a/**', 'a/b/c', true],
  ['a/**/z', 'a/z', true],
  ['a/**/z', 'a/b/c/z', true],
  ['a/**/z', 'a/b/cz', false],
  ['**/z', 'z', true],
  ['[a-c]x', 'bx', true],
  ['[^a-c]x', 'dx', true],
  ['[^a-c]x', 'ax', false],
  ['[\\]]', ']', true],
  ['\\*', '*', true],
  ['\\*', 'x', false],
  ['é*', 'été', true],
];

for (const [pattern, text, expected] of PATH_TABLE) {
  test(`pathGlob ${pattern} ${expected ? 'matches' : 'does not match'} ${text}`, (t) => {
    t.is(pathGlob(pattern).matches(text), expected);
  });
}

test('shellGlob: * and ? cross /, [!...] negates, the escape character quotes, a lone [ is literal', (t) => {
  t.true(shellGlob('*/c', '\\').matches('a/b/c'));
  t.true(shellGlob('?', '\\').matches('/'));
  t.true(shellGlob('[!0-9]', '\\').matches('x'));
  t.false(shellGlob('[!0-9]', '\\').matches('5'));
  t.true(shellGlob('`*', '`').matches('*'));
  t.true(shellGlob('a[', '\\').matches('a['));
});

test('a malformed path pattern is an InvalidArgumentError', (t) => {
  t.throws(() => pathGlob('a[b'), { instanceOf: InvalidArgumentError });
  t.throws(() => pathGlob('[]'), { instanceOf: InvalidArgumentError });
});

test('patterns that make a backtracking regex explode match in linear time', (t) => {
  const cases: [string, string][] = [
    ['**/**/**/**/**/**/**/**/**/**/**/**/x', `${'a/'.repeat(2000)}y`],
    ['*a*a*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000)],
    ['a/**/b/**/c/**/d/**/e/**/f', `${'a/b/c/d/e/'.repeat(300)}g`],
  ];
  for (const [pattern, text] of cases) {
    const start = performance.now();
    t.false(pathGlob(pattern).matches(text));
    t.true(performance.now() - start < 2000, `${pattern} took ${performance.now() - start} ms`);
  }
});

test('hasWildcards sees unescaped * ? [ only; unescapeGlob drops the escapes', (t) => {
  t.true(hasWildcards('src/*.js'));
  t.true(hasWildcards('a[bc]'));
  t.false(hasWildcards('a\\*b'));
  t.false(hasWildcards('plain/path'));
  t.is(unescapeGlob('a\\*b\\?'), 'a*b?');
});
