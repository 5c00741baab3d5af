import test from 'ava';
import { DEFAULT_PATH, resolveProcess, type ProcessRequest } from './image-defaults.ts';

const request = (fields: Partial<ProcessRequest> = {}): ProcessRequest => ({
  args: ['cmd'],
  entrypoint: undefined,
  env: [],
  workdir: undefined,
  user: undefined,
  hostname: 'abc',
  tty: false,
  ...fields,
});

test('words after the image replace CMD and keep ENTRYPOINT', (t) => {
  const resolved = resolveProcess({ Entrypoint: ['/entry'], Cmd: ['default'] }, request({ args: ['given', 'words'] }));
  t.deepEqual(resolved.argv, ['/entry', 'given', 'words']);
  t.deepEqual(resolveProcess({ Entrypoint: ['/entry'], Cmd: ['default'] }, request({ args: [] })).argv, ['/entry', 'default']);
});

test('--entrypoint replaces ENTRYPOINT and drops the image CMD; an empty one clears it', (t) => {
  t.deepEqual(resolveProcess({ Entrypoint: ['/entry'], Cmd: ['default'] }, request({ entrypoint: '/other', args: [] })).argv, ['/other']);
  t.deepEqual(resolveProcess({ Entrypoint: ['/entry'], Cmd: ['default'] }, request({ entrypoint: '', args: ['sh'] })).argv, ['sh']);
});

test('no ENTRYPOINT, CMD or words is refused', (t) => {
  t.throws(() => resolveProcess({}, request({ args: [] })), { message: /no command given/ });
});

test('env: PATH only when the image has none, HOSTNAME, TERM with -t, the image then -e replacing in place', (t) => {
  const resolved = resolveProcess({ Env: ['A=image', 'B=image'] }, request({ env: ['A=flag', 'C=new'], tty: true }));
  t.deepEqual(resolved.env, [`PATH=${DEFAULT_PATH}`, 'HOSTNAME=abc', 'TERM=xterm', 'A=flag', 'B=image', 'C=new']);
  t.deepEqual(resolveProcess({ Env: ['PATH=/only'] }, request()).env, ['HOSTNAME=abc', 'PATH=/only']);
});

test('-e KEY takes the host value, and leaves the variable out when the host has none', (t) => {
  const env = resolveProcess({}, request({ env: ['FROM_HOST', 'MISSING'] }), { FROM_HOST: 'here' }).env;
  t.true(env.includes('FROM_HOST=here'));
  t.false(env.some((entry) => entry.startsWith('MISSING')));
});

test('cwd: -w, else WorkingDir, else /; a relative one is refused; user: -u, else USER', (t) => {
  t.is(resolveProcess({ WorkingDir: '/app' }, request({ args: ['x'] })).cwd, '/app');
  t.is(resolveProcess({ WorkingDir: '/app' }, request({ args: ['x'], workdir: '/w' })).cwd, '/w');
  t.is(resolveProcess({}, request({ args: ['x'] })).cwd, '/');
  t.throws(() => resolveProcess({}, request({ args: ['x'], workdir: 'rel' })), { message: /absolute/ });
  t.is(resolveProcess({ User: 'app' }, request({ args: ['x'] })).user, 'app');
  t.is(resolveProcess({ User: 'app' }, request({ args: ['x'], user: '0' })).user, '0');
});
