import test from 'ava';
import { parseSignal } from './container-signals.ts';

test('a signal is a number, or a name with or without SIG in any case, as docker kill -s and STOPSIGNAL take it', (t) => {
  t.is(parseSignal('9'), 9);
  t.is(parseSignal('KILL'), 'SIGKILL');
  t.is(parseSignal('sigusr1'), 'SIGUSR1');
  t.is(parseSignal('SIGQUIT'), 'SIGQUIT');
  t.throws(() => parseSignal('NOPE'), { message: /not a signal name/ });
});
