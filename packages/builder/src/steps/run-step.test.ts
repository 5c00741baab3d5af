import test, { type ExecutionContext } from 'ava';
import { PassThrough } from 'node:stream';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { scratchDir } from '@layerctl/sys/testing';
import { openRoot } from '@layerctl/snapshotter';
import { parseDockerfile } from '../dockerfile/parse-dockerfile.ts';
import type { RunInstruction } from '../dockerfile/instructions.ts';
import { BuildWorkspace } from '../build/build-workspace.ts';
import { forwardLines, planRun, runEnv } from './run-step.ts';

function runOf(text: string): RunInstruction {
  const instruction = parseDockerfile(`FROM scratch\n${text}\n`, 'Dockerfile').stages[0]?.instructions[0];
  if (instruction?.kind !== 'RUN') throw new TypeError(`not a RUN: ${text}`);
  return instruction;
}

/** The history line of a RUN's plan: the program and arguments it would start. */
function argsOf(t: ExecutionContext, text: string, shell?: string[]): string {
  const root = openRoot(scratchDir(t));
  t.teardown(() => root.close());
  const workspace = BuildWorkspace.open(root);
  return planRun(runOf(text), { config: shell === undefined ? {} : { Shell: shell }, args: new Map(), network: 'none', cgroupParent: undefined, workspace, signal: undefined }).createdBy;
}

test('shell form runs through /bin/sh -c, or SHELL; exec form as written', (t) => {
  t.is(argsOf(t, 'RUN echo hi'), 'RUN /bin/sh -c echo hi');
  t.is(argsOf(t, 'RUN echo hi', ['/bin/bash', '-ec']), 'RUN /bin/bash -ec echo hi');
  t.is(argsOf(t, 'RUN ["/bin/echo", "a b"]'), 'RUN /bin/echo a b');
});

test('a heredoc alone is the script; a command with a heredoc gets it back as a here-document', (t) => {
  t.is(argsOf(t, 'RUN <<EOF\necho one\necho two\nEOF'), 'RUN /bin/sh -c echo one\necho two\n');
  t.is(argsOf(t, 'RUN cat <<EOF > /x\nbody\nEOF'), 'RUN /bin/sh -c cat <<EOF > /x\nbody\nEOF');
});

test('the environment is ENV, then ARGs ENV does not set, then PATH when neither sets it', (t) => {
  t.deepEqual(runEnv(['A=env'], new Map([['A', 'arg'], ['B', 'arg']])), ['A=env', 'B=arg', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
  t.deepEqual(runEnv(['PATH=/bin'], new Map()), ['PATH=/bin']);
});

test('a command output stream that ended before it is read finishes at once (Node drains an exited child\'s unread pipes)', async (t) => {
  const child = spawn('/bin/sh', ['-c', 'echo lost'], { stdio: ['ignore', 'pipe', 'ignore'] });
  await once(child, 'close');
  t.true(child.stdout.readableEnded || child.stdout.destroyed, 'the exit drained the pipe nobody read');
  const lines: string[] = [];
  await forwardLines(child.stdout, 'stdout', (_stream, line) => lines.push(line));
  t.deepEqual(lines, []);
});

test('the lines of a live stream are passed on in order, the last one without its newline too', async (t) => {
  const stream = new PassThrough();
  const lines: string[] = [];
  const forwarded = forwardLines(stream, 'stderr', (name, line) => lines.push(`${name}:${line}`));
  stream.write('one\ntw');
  stream.end('o\r\nthree');
  await forwarded;
  t.deepEqual(lines, ['stderr:one', 'stderr:two', 'stderr:three']);
});
