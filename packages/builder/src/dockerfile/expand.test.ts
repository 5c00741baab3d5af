import test from 'ava';
import { ExpansionError, expandHeredoc, expandWord, expandWords } from './expand.ts';

const ENV: Record<string, string> = {
  PWD: '/home', EMPTY: '', WORDS: '80  443/udp', KOREAN: '한국어', X_1: 'x1', PATHS: '/a/b/c.tar.gz', VERSION: 'v1.2.3', STARS: '***',
};
const lookup = (name: string): string | undefined => ENV[name];

// Inputs and outputs as Docker's shell lexer (BuildKit frontend/dockerfile/shell) gives them,
// with PWD=/home, EMPTY='' and UNSET not set.
const WORD_TABLE: [string, string][] = [
  ['hello', 'hello'],
  ["he'll'o", 'hello'],
  ["he\\'llo", "he'llo"],
  ['abc\\\\', 'abc\\'],
  ['abc\\', 'abc'],
  ['a\\ b', 'a b'],
  ['"abc\\"def"', 'abc"def'],
  ['"abc\\def"', 'abc\\def'],
  ['"a\\\\b"', 'a\\b'],
  ["'abc\\\"def'", 'abc\\"def'],
  ["\"it's\"", "it's"],
  ["'say \"hi\"'", 'say "hi"'],
  ['$PWD', '/home'],
  ['${PWD}', '/home'],
  ["'$PWD'", '$PWD'],
  ['"$PWD"', '/home'],
  ['"${PWD}"', '/home'],
  ['\\$PWD', '$PWD'],
  ['"\\$PWD"', '$PWD'],
  ['$PWD/x', '/home/x'],
  ['${PWD}x', '/homex'],
  ['$PWDx', ''],
  ['$X_1.txt', 'x1.txt'],
  ['${UNSET}', ''],
  ['${UNSET:-default}', 'default'],
  ['${EMPTY:-default}', 'default'],
  ['${EMPTY-default}', ''],
  ['${UNSET-default}', 'default'],
  ['${PWD:-default}', '/home'],
  ['${PWD:+set}', 'set'],
  ['${EMPTY:+set}', ''],
  ['${EMPTY+set}', 'set'],
  ['${UNSET+set}', ''],
  ['${UNSET:-$PWD}', '/home'],
  ['${UNSET:-${PWD}/bin}', '/home/bin'],
  ["${UNSET:-'a b'}", 'a b'],
  ['${UNSET:-"$PWD x"}', '/home x'],
  ['${PWD:?}', '/home'],
  ['${EMPTY?}', ''],
  ['$', '$'],
  ['a$', 'a$'],
  ['$/x', '$/x'],
  ['$1', ''],
  ['$12x', 'x'],
  ['$$', ''],
  ['$@', ''],
  ['${KOREAN}', '한국어'],
  ['"${KOREAN} x"', '한국어 x'],
  ['"$WORDS"', '80  443/udp'],
  ['${PATHS#*/}', 'a/b/c.tar.gz'],
  ['${PATHS##*/}', 'c.tar.gz'],
  ['${PATHS%.*}', '/a/b/c.tar'],
  ['${PATHS%%.*}', '/a/b/c'],
  ['${PATHS#/a}', '/b/c.tar.gz'],
  ['${PATHS#x}', '/a/b/c.tar.gz'],
  ['${PATHS#\\/a}', '/b/c.tar.gz'],
  ['${VERSION#v}', '1.2.3'],
  ['${VERSION/./-}', 'v1-2.3'],
  ['${VERSION//./-}', 'v1-2-3'],
  ['${VERSION//[0-9]/N}', 'vN.N.N'],
  ['${VERSION/?/}', '1.2.3'],
  ['${VERSION/.}', 'v12.3'],
  ['${VERSION%[!0-9]*}', 'v1.2'],
  ['${UNSET#x}', ''],
  ['${PWD/home/$VERSION}', '/v1.2.3'],
  ['${STARS/\\*/x}', 'x**'],
];

for (const [input, output] of WORD_TABLE) {
  test(`expandWord ${input} gives ${JSON.stringify(output)}`, (t) => {
    t.is(expandWord(input, lookup), output);
  });
}

const ERROR_TABLE: [string, RegExp][] = [
  ["he'llo", /single quote/],
  ['"abc', /double quote/],
  ["he\\\\'llo", /single quote/],
  ['${}', /bad substitution/],
  ['${:x}', /bad substitution/],
  ['${{x}', /bad substitution/],
  ['${PWD', /missing '}'/],
  ['${', /missing '}'/],
  ['${UNSET:-x', /missing '}'/],
  ['${EMPTY:?must be set}', /EMPTY: must be set/],
  ['${EMPTY:?}', /EMPTY: is not allowed to be empty/],
  ['${UNSET?}', /UNSET: is not allowed to be unset/],
  ['${PWD%x', /missing '}'/],
  ['${PWD/x', /missing '}'/],
  ['${PWD:=x}', /unsupported modifier/],
];

for (const [input, message] of ERROR_TABLE) {
  test(`expandWord ${input} is an error matching ${message.source}`, (t) => {
    const err = t.throws(() => expandWord(input, lookup), { instanceOf: ExpansionError });
    t.regex(err.message, message);
    t.is(err.word, input);
  });
}

const WORDS_TABLE: [string, string[]][] = [
  ['$WORDS', ['80', '443/udp']],
  ['"$WORDS"', ['80  443/udp']],
  ['a\\ b', ['a b']],
  ["'a b' c", ['a b', 'c']],
  ['""', []],
  ['8080 $UNSET', ['8080']],
  ['  spaced   out  ', ['spaced', 'out']],
  ['x$WORDS', ['x80', '443/udp']],
];

for (const [input, output] of WORDS_TABLE) {
  test(`expandWords ${input} gives ${JSON.stringify(output)}`, (t) => {
    t.deepEqual(expandWords(input, lookup), output);
  });
}

test('with the backtick escape, a backslash is an ordinary character and ` escapes', (t) => {
  t.is(expandWord('C:\\path\\$PWD', lookup, '`'), 'C:\\path\\/home');
  t.is(expandWord('a`$PWD', lookup, '`'), 'a$PWD');
  t.is(expandWord('"a`"b"', lookup, '`'), 'a"b');
});

test('a heredoc body expands variables even in quotes, keeps its quotes, and lets \\ escape only $ ` \\ and newline', (t) => {
  t.is(expandHeredoc('echo "$PWD" \'$PWD\'\n', lookup), 'echo "/home" \'/home\'\n');
  t.is(expandHeredoc('\\$PWD \\\\ \\n \\`\n', lookup), '$PWD \\ \\n `\n');
  t.is(expandHeredoc('a \\\nb\n', lookup), 'a b\n');
  t.is(expandHeredoc('${UNSET:-dflt} "unclosed\n', lookup), 'dflt "unclosed\n');
});

test('pattern substitutions on a long value finish quickly', (t) => {
  const long = 'a'.repeat(20000);
  const start = performance.now();
  t.is(expandWord('${LONG#*a*a*a*a*b}', (name) => (name === 'LONG' ? long : undefined)), long);
  t.is(expandWord('${LONG%%a*a}', (name) => (name === 'LONG' ? long : undefined)), '');
  t.true(performance.now() - start < 2000);
});
