import test from 'ava';
import { scanArgv } from './argv-scan.ts';

test('the command is the first word that is neither an option nor a global option value', (t) => {
  t.is(scanArgv(['--root', '/x', '--driver', 'overlay2', 'images', '--json']).command, 'images');
  t.is(scanArgv(['--storage-opt', 'overlay2.mount_api=legacy', 'info']).command, 'info');
  t.is(scanArgv(['--root=/x', 'tag', 'a', 'b']).command, 'tag');
  t.is(scanArgv(['--debug', '--progress', 'plain', 'rmi', '-f', 'x']).command, 'rmi');
});

test('no command when argv holds only options', (t) => {
  t.deepEqual(scanArgv(['--version']), { command: undefined, debug: false, help: false, version: true });
  t.is(scanArgv(['--root', 'images']).command, undefined);
});

test('switches after -- are operands, not switches', (t) => {
  t.deepEqual(scanArgv(['import', '--', '--debug']), {
    command: 'import',
    debug: false,
    help: false,
    version: false,
  });
});

test('switches count wherever they stand before --', (t) => {
  const scan = scanArgv(['images', '--debug', '-h']);
  t.true(scan.debug);
  t.true(scan.help);
});

test("a global option's value is never taken for the command", (t) => {
  t.is(scanArgv(['--driver', 'images', 'load']).command, 'load');
  t.is(scanArgv(['images', '--root', 'load']).command, 'images');
});
