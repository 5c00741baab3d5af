import test from 'ava';
import { editDistance } from '@layerctl/sys';
import { suggestCommand } from './suggest-command.ts';

test('a near miss suggests the nearest command', (t) => {
  t.is(suggestCommand('imagse', ['images', 'import', 'inspect']), '; did you mean "images"?');
  t.is(suggestCommand('rm', ['rmi', 'tag']), '; did you mean "rmi"?');
});

test('a word far from every command points at --help instead', (t) => {
  t.is(suggestCommand('frobnicate', ['images', 'import']), ' (layerctl --help lists the commands)');
});

test('edit distance counts insertions, deletions and substitutions', (t) => {
  t.is(editDistance('', 'abc'), 3);
  t.is(editDistance('kitten', 'sitting'), 3);
  t.is(editDistance('same', 'same'), 0);
});
