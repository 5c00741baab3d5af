import test from 'ava';
import { InvalidArgumentError } from '@layerctl/sys';
import { copyTargets, destinationIsDirectory, destinationPath } from './copy-targets.ts';

const FILE = (name: string) => ({ name, isDirectory: false });
const DIR = (name: string) => ({ name, isDirectory: true });
const AT_ROOT = { workdir: '/', existingDirectory: false };

test('a file copied to a destination without a trailing slash is written at that path', (t) => {
  t.deepEqual(copyTargets([FILE('a.txt')], '/dest', AT_ROOT), ['/dest']);
});

test('a file copied to a destination ending in / lands inside it under its own name', (t) => {
  t.deepEqual(copyTargets([FILE('a.txt')], '/dest/', AT_ROOT), ['/dest/a.txt']);
});

test('a file copied to a destination that is already a directory lands inside it', (t) => {
  t.deepEqual(copyTargets([FILE('a.txt')], '/etc', { workdir: '/', existingDirectory: true }), ['/etc/a.txt']);
});

test('a directory copies its contents into the destination, never itself', (t) => {
  t.deepEqual(copyTargets([DIR('src')], '/app', AT_ROOT), ['/app']);
  t.deepEqual(copyTargets([DIR('src')], '/app/', AT_ROOT), ['/app']);
});

test('a relative destination is taken from WORKDIR; . means WORKDIR itself as a directory', (t) => {
  t.deepEqual(copyTargets([FILE('a')], '.', { workdir: '/work', existingDirectory: false }), ['/work/a']);
  t.deepEqual(copyTargets([FILE('a')], 'sub/x', { workdir: '/work', existingDirectory: false }), ['/work/sub/x']);
  t.deepEqual(copyTargets([FILE('a')], './', { workdir: 'rel', existingDirectory: false }), ['/rel/a']);
});

test('several sources need a directory destination', (t) => {
  t.deepEqual(copyTargets([FILE('a'), FILE('b'), DIR('d')], '/out/', AT_ROOT), ['/out/a', '/out/b', '/out']);
  t.throws(() => copyTargets([FILE('a'), FILE('b')], '/out', AT_ROOT), { instanceOf: InvalidArgumentError, message: /with more than one source the destination must be a directory/ });
  t.deepEqual(copyTargets([FILE('a'), FILE('b')], '/out', { workdir: '/', existingDirectory: true }), ['/out/a', '/out/b']);
});

test('destinationIsDirectory and destinationPath follow the trailing-slash and WORKDIR rules', (t) => {
  t.true(destinationIsDirectory('/x/'));
  t.true(destinationIsDirectory('.'));
  t.true(destinationIsDirectory('a/.'));
  t.false(destinationIsDirectory('/x'));
  t.is(destinationPath('../../etc', '/a'), '/etc');
  t.is(destinationPath('/x//y/', '/a'), '/x/y');
});
