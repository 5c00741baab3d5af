import test from 'ava';
import { InvalidArgumentError } from '@layerctl/sys';
import { parseDockerfile } from './parse-dockerfile.ts';
import { DockerfileError } from './dockerfile-error.ts';
import { ExpansionError, expandHeredoc, expandWord, expandWords } from './expand.ts';
import { PatternMatcher } from '../dockerignore/pattern-matcher.ts';
import { parseDockerignore } from '../dockerignore/parse-dockerignore.ts';

// Dockerfiles, words and .dockerignore files are input from outside: whatever they hold, the
// parser and the lexer answer with a value or with their own typed error, never a TypeError,
// a RangeError or a hang. Inputs come from a seeded generator, so a failure replays.

/** mulberry32: a small seeded generator, so every run tries the same inputs. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const TOKENS = [
  'FROM', 'RUN', 'COPY', 'ADD', 'ENV', 'ARG', 'LABEL', 'ONBUILD', 'HEALTHCHECK', 'SHELL', 'CMD', 'EXPOSE', 'VOLUME', 'USER',
  'WORKDIR', 'STOPSIGNAL', 'ENTRYPOINT', 'MAINTAINER', 'NONE', 'AS', 'scratch', 'busybox', 'a=b', 'x', '/dest/',
  '--from=x', '--chown=1', '--network=none', '--interval=1s', '--', '--x', '<<EOF', '<<-EOF', "<<'EOF'", 'EOF', '\tEOF',
  '[', ']', '["a"', '"b"]', '[1]', '{', '}', '${', '$', '${A:-', '${A#', '${A/', "'", '"', '\\', '`', '#', '# escape=`',
  '# escape=\\', '\n', '\n', '\n', ' ', ' ', '\t', '\r\n', '=', '==', '\ufeff', '한', '\u0000',
];

function generate(next: () => number, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += `${TOKENS[Math.floor(next() * TOKENS.length)] ?? ''}${next() < 0.5 ? ' ' : ''}`;
  return text;
}

test('any Dockerfile text parses or fails with a DockerfileError', (t) => {
  const next = random(8);
  for (let i = 0; i < 3000; i++) {
    const text = (next() < 0.7 ? 'FROM scratch\n' : '') + generate(next, Math.floor(next() * 40));
    try {
      parseDockerfile(text, 'Dockerfile');
    } catch (err) {
      if (!(err instanceof DockerfileError)) t.fail(`${JSON.stringify(text)} threw ${String(err)}`);
    }
  }
  t.pass();
});

test('any word expands or fails with an ExpansionError', (t) => {
  const next = random(9);
  const lookup = (name: string): string | undefined => (name.length % 2 === 0 ? `v${name}` : undefined);
  for (let i = 0; i < 5000; i++) {
    const word = generate(next, Math.floor(next() * 12));
    for (const expand of [() => expandWord(word, lookup), () => expandWords(word, lookup, '`'), () => expandHeredoc(word, lookup)]) {
      try {
        expand();
      } catch (err) {
        if (!(err instanceof ExpansionError)) t.fail(`${JSON.stringify(word)} threw ${String(err)}`);
      }
    }
  }
  t.pass();
});

test('any .dockerignore is read or refused with an InvalidArgumentError, and its matcher answers every path', (t) => {
  const next = random(10);
  const pieces = ['*', '**', '?', '[', ']', '[!a]', '[^a-z]', '\\', '!', '/', '.', '..', 'a', 'b.txt', '#', ' ', '\n', '(', '+', '$', '{'];
  for (let i = 0; i < 3000; i++) {
    let text = '';
    for (let j = Math.floor(next() * 20); j > 0; j--) text += pieces[Math.floor(next() * pieces.length)] ?? '';
    let matcher: PatternMatcher;
    try {
      matcher = new PatternMatcher(parseDockerignore(text));
    } catch (err) {
      if (!(err instanceof InvalidArgumentError)) t.fail(`${JSON.stringify(text)} threw ${String(err)}`);
      continue;
    }
    for (const path of ['a', 'a/b.txt', '.hidden/x', '(/+', 'b.txt']) {
      matcher.excludes(path);
      matcher.mayIncludeBelow(path);
    }
  }
  t.pass();
});
