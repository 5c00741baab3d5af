import test from 'ava';
import { cleanPath } from './clean-path.ts';

const TABLE: [string, string][] = [
  ['', '.'],
  ['.', '.'],
  ['a/b/', 'a/b'],
  ['a//b', 'a/b'],
  ['./a/./b', 'a/b'],
  ['a/../b', 'b'],
  ['a/..', '.'],
  ['../a', '../a'],
  ['a/../../b', '../b'],
  ['/../a', '/a'],
  ['/', '/'],
  ['//', '/'],
  ['/a/b/../c/.', '/a/c'],
];

for (const [input, output] of TABLE) {
  test(`cleanPath ${JSON.stringify(input)} is ${JSON.stringify(output)}, as Go's path.Clean`, (t) => {
    t.is(cleanPath(input), output);
  });
}
