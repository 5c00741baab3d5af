import test from 'ava';
import { InvalidArgumentError } from '@layerctl/sys';
import { parseDuration } from './duration.ts';

const TABLE: [string, number][] = [
  ['0', 0],
  ['30s', 30e9],
  ['1m30s', 90e9],
  ['1.5h', 5400e9],
  ['300ms', 300e6],
  ['2us', 2000],
  ['2µs', 2000],
  ['7ns', 7],
  ['.5s', 500e6],
  ['1.s', 1e9],
  ['1h2m3s4ms', 3723004e6],
  ['-2s', -2e9],
  ['+2s', 2e9],
];

for (const [text, ns] of TABLE) {
  test(`parseDuration reads ${text} as ${ns} ns, as Go's time.ParseDuration does`, (t) => {
    t.is(parseDuration(text), ns);
  });
}

for (const text of ['', '5', 's', '.s', '1x', '1s2', '1 s', '-', '1.2.3s', '300000000h']) {
  test(`parseDuration refuses ${JSON.stringify(text)}`, (t) => {
    t.throws(() => parseDuration(text), { instanceOf: InvalidArgumentError });
  });
}
