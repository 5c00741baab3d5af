import test from 'ava';
import { InvalidArgumentError } from '@layerctl/sys';
import { PatternMatcher } from './pattern-matcher.ts';
import { parseDockerignore } from './parse-dockerignore.ts';

function matcher(dockerignore: string): PatternMatcher {
  return new PatternMatcher(parseDockerignore(dockerignore));
}

// [.dockerignore, path, excluded?] as moby's patternmatcher answers MatchesOrParentMatches.
const TABLE: [string, string, boolean][] = [
  ['foo', 'foo', true],
  ['foo', 'foo/bar/baz', true],
  ['foo', 'foobar', false],
  ['foo', 'a/foo', false],
  ['/foo', 'foo/x', true],
  ['./foo/', 'foo', true],
  ['foo/../bar', 'bar', true],
  ['*.md', 'README.md', true],
  ['*.md', 'docs/README.md', false],
  ['*/*.md', 'docs/README.md', true],
  ['*', 'anything', true],
  ['*', 'a/b', true],
  ['**', 'a/b/c', true],
  ['**/*.go', 'main.go', true],
  ['**/*.go', 'a/b/main.go', true],
  ['**/*.go', 'a/b/main.goo', false],
  ['a/**/b', 'a/b', true],
  ['a/**/b', 'a/x/y/b', true],
  ['a/**/b', 'a/x/y/bc', false],
  ['a/**', 'a/x/y', true],
  ['a/**', 'a', false],
  ['file?.txt', 'file1.txt', true],
  ['file?.txt', 'file10.txt', false],
  ['file?.txt', 'file/.txt', false],
  ['[ab].txt', 'a.txt', true],
  ['[ab].txt', 'c.txt', false],
  ['[^ab].txt', 'c.txt', true],
  ['[^ab].txt', 'a.txt', false],
  ['[a-c]x', 'bx', true],
  ['\\*star', '*star', true],
  ['\\*star', 'xstar', false],
  ['a.b', 'axb', false],
  ['a+(b)', 'a+(b)', true],
  ['.git', '.git/HEAD', true],
  ['*\n!keep.md', 'keep.md', false],
  ['*\n!keep.md', 'other.md', true],
  ['docs\n!docs/keep', 'docs/keep', false],
  ['docs\n!docs/keep', 'docs/keep/inner', false],
  ['docs\n!docs/keep', 'docs/other', true],
  ['!docs/keep\ndocs', 'docs/keep', true],
  ['*.md\n!README.md\nREADME.md', 'README.md', true],
  ['*.md\n!*.md', 'x.md', false],
  ['# comment\nfoo', 'foo', true],
  ['# foo', '# foo', false],
  ['  foo  ', 'foo', true],
  ['! foo', 'foo', false],
  ['', 'foo', false],
];

for (const [dockerignore, path, excluded] of TABLE) {
  test(`.dockerignore ${JSON.stringify(dockerignore)} ${excluded ? 'excludes' : 'keeps'} ${path}`, (t) => {
    t.is(matcher(dockerignore).excludes(path), excluded);
  });
}

test('parseDockerignore cleans patterns, drops a leading slash and keeps the ! on exceptions', (t) => {
  t.deepEqual(parseDockerignore('\ufeff# c\n/a/b/\n!/c/./d\n\n  e//f  \r\n!  g\n/\n'), ['a/b', '!c/d', 'e/f', '!g', '/']);
});

test('a lone ! is an error, and so is an unclosed [', (t) => {
  t.throws(() => new PatternMatcher(['!']), { instanceOf: InvalidArgumentError });
  t.throws(() => new PatternMatcher(['a[b']), { instanceOf: InvalidArgumentError, message: /without its closing/ });
  t.throws(() => new PatternMatcher(['[]']), { instanceOf: InvalidArgumentError, message: /empty character class/ });
});

test('an excluded directory may hold paths an exception brings back only where an exception could match', (t) => {
  const ignore = matcher('docs\nvendor\n!docs/keep/*.md\n!**/LICENSE');
  t.true(ignore.mayIncludeBelow('docs'));
  t.true(ignore.mayIncludeBelow('docs/keep'));
  t.true(ignore.mayIncludeBelow('vendor'), 'the ** exception can match anywhere');
  const narrow = matcher('docs\nvendor\n!docs/keep');
  t.true(narrow.mayIncludeBelow('docs'));
  t.true(narrow.mayIncludeBelow('docs/keep/deeper'));
  t.false(narrow.mayIncludeBelow('vendor'));
  t.false(narrow.mayIncludeBelow('docs/other'));
  t.false(matcher('docs').mayIncludeBelow('docs'));
});
