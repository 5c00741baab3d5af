import test from 'ava';
import type { Instruction } from './instructions.ts';
import { parseDockerfile, parseTriggers } from './parse-dockerfile.ts';
import { DockerfileError } from './dockerfile-error.ts';
import { expandWord } from './expand.ts';

/** The instructions of the one stage of `FROM scratch\n` + body. */
function stageOf(body: string): Instruction[] {
  const parsed = parseDockerfile(`FROM scratch\n${body}`, 'Dockerfile');
  return parsed.stages[0]?.instructions ?? [];
}

/** The first instruction of the stage (later ones show where it ended). */
function only(body: string): Instruction {
  const [instruction] = stageOf(body);
  if (instruction === undefined) throw new TypeError(`expected an instruction in ${body}`);
  return instruction;
}

function parseError(text: string): DockerfileError {
  try {
    parseDockerfile(text, 'Dockerfile');
  } catch (err) {
    if (err instanceof DockerfileError) return err;
    throw err;
  }
  throw new TypeError(`expected ${JSON.stringify(text)} to be refused`);
}

test('FROM takes an image, an optional AS name lower-cased, and --platform', (t) => {
  const parsed = parseDockerfile('FROM --platform=linux/amd64 busybox:1.36 AS Build\nfrom scratch\n', 'Dockerfile');
  t.like(parsed.stages[0], { index: 0, name: 'build', from: { kind: 'FROM', image: 'busybox:1.36', stageName: 'build', platform: 'linux/amd64' } });
  t.like(parsed.stages[1], { index: 1, from: { image: 'scratch' } });
  t.is(parsed.stages[1]?.name, undefined);
});

test('ARG before the first FROM is global; ARG after it belongs to the stage', (t) => {
  const parsed = parseDockerfile('ARG BASE=busybox\nARG A B=2\nFROM $BASE\nARG A\n', 'Dockerfile');
  t.deepEqual(parsed.globalArgs.map((arg) => arg.args), [[{ name: 'BASE', defaultValue: 'busybox' }], [{ name: 'A' }, { name: 'B', defaultValue: '2' }]]);
  t.like(parsed.stages[0], { from: { image: '$BASE' }, instructions: [{ kind: 'ARG', args: [{ name: 'A' }] }] });
});

test('ARG defaults keep their quotes for expansion to remove', (t) => {
  t.like(only('ARG msg="hello world" other=\'x y\'\n'), { args: [{ name: 'msg', defaultValue: '"hello world"' }, { name: 'other', defaultValue: "'x y'" }] });
});

test('ENV takes name=value pairs with quotes and escapes kept', (t) => {
  t.like(only('ENV A=1 B="two words" C=three\\ words D=\n'), {
    kind: 'ENV',
    pairs: [{ key: 'A', value: '1' }, { key: 'B', value: '"two words"' }, { key: 'C', value: 'three\\ words' }, { key: 'D', value: '' }],
  });
});

test('ENV in the legacy form takes the rest of the line as the value', (t) => {
  t.like(only('ENV GREETING hello   big "world"\n'), { pairs: [{ key: 'GREETING', value: 'hello   big "world"' }] });
});

test('LABEL takes pairs in both forms, quoted keys included', (t) => {
  t.like(only('LABEL "com.example.vendor"="ACME Inc" version=1.0\n'), { kind: 'LABEL', pairs: [{ key: '"com.example.vendor"', value: '"ACME Inc"' }, { key: 'version', value: '1.0' }] });
  t.like(only('LABEL maintainer someone@example.com\n'), { pairs: [{ key: 'maintainer', value: 'someone@example.com' }] });
});

test('RUN in shell form keeps the command text; in exec form the JSON words', (t) => {
  t.like(only('RUN echo "hi there" && ls\n'), { kind: 'RUN', command: { form: 'shell', command: 'echo "hi there" && ls' }, heredocs: [] });
  t.like(only('RUN ["echo", "hi there"]\n'), { command: { form: 'exec', args: ['echo', 'hi there'] } });
});

test('RUN with JSON that does not parse falls back to the shell form', (t) => {
  t.like(only("RUN ['echo', 'single quotes are not JSON']\n"), { command: { form: 'shell', command: "['echo', 'single quotes are not JSON']" } });
  t.like(only('RUN [ "a", ]\n'), { command: { form: 'shell', command: '[ "a", ]' } });
});

test('RUN with a JSON array of non-strings is an error', (t) => {
  t.regex(parseError('FROM scratch\nRUN ["echo", 1]\n').message, /^Dockerfile:2: RUN has a JSON array with something other than strings/);
});

test('RUN --network is kept; --mount is refused as not supported', (t) => {
  t.like(only('RUN --network=none wget x\n'), { network: 'none', command: { form: 'shell', command: 'wget x' } });
  t.regex(parseError('FROM scratch\nRUN --mount=type=cache,target=/x true\n').message, /^Dockerfile:2: RUN --mount is not supported/);
  t.regex(parseError('FROM scratch\nRUN --network=bridge true\n').message, /--network=bridge: expected one of default, none, host/);
});

test('CMD and ENTRYPOINT take both forms, and CMD [] is an empty exec form', (t) => {
  t.like(only('CMD ["/bin/app", "-v"]\n'), { kind: 'CMD', command: { form: 'exec', args: ['/bin/app', '-v'] } });
  t.like(only('ENTRYPOINT exec /bin/app\n'), { kind: 'ENTRYPOINT', command: { form: 'shell', command: 'exec /bin/app' } });
  t.like(only('CMD []\n'), { command: { form: 'exec', args: [] } });
});

test('COPY takes sources and a destination with --from, --chown, --chmod', (t) => {
  t.like(only('COPY --from=Build --chown=1000:1000 --chmod=0755 a b* /dest/\n'), {
    kind: 'COPY', sources: ['a', 'b*'], destination: '/dest/', from: 'Build', chown: '1000:1000', chmod: '0755', heredocs: [],
  });
});

test('COPY in JSON form allows spaces in paths', (t) => {
  t.like(only('COPY ["my file", "other file", "/dest dir/"]\n'), { sources: ['my file', 'other file'], destination: '/dest dir/' });
});

test('COPY --link is accepted and recorded', (t) => {
  t.like(only('COPY --link a /b\n'), { link: true, sources: ['a'] });
});

test('ADD takes --chown and --chmod but not --from; --checksum is refused', (t) => {
  t.like(only('ADD --chown=app app.tar /opt/\n'), { kind: 'ADD', sources: ['app.tar'], destination: '/opt/', chown: 'app' });
  t.regex(parseError('FROM scratch\nADD --from=x a b\n').message, /^Dockerfile:2: ADD has an unknown flag --from \(it takes --chown, --chmod, --link\)/);
  t.regex(parseError('FROM scratch\nADD --checksum=sha256:00 a b\n').message, /ADD --checksum is not supported/);
});

test('COPY with only one word says it needs a source and a destination', (t) => {
  t.is(parseError('FROM scratch\n\nCOPY a\n').message, 'Dockerfile:3: COPY needs at least one source and a destination');
});

test('a flag without a value, an unknown flag and a repeated flag are errors naming the flag', (t) => {
  t.regex(parseError('FROM scratch\nCOPY --from a b\n').message, /COPY --from needs a value/);
  t.regex(parseError('FROM scratch\nCOPY --frm=x a b\n').message, /COPY has an unknown flag --frm/);
  t.regex(parseError('FROM scratch\nCOPY --chown=a --chown=b a b\n').message, /COPY has --chown more than once/);
  t.regex(parseError('FROM scratch\nENV --x=1 a=b\n').message, /ENV has an unknown flag --x \(it takes no flags\)/);
});

test('quoted flag values keep their spaces; a quoted word is no flag', (t) => {
  t.like(only('COPY --chown="my user" a b\n'), { chown: 'my user', sources: ['a'] });
  t.like(only('COPY "--chown=x" b\n'), { sources: ['"--chown=x"'], destination: 'b' });
});

test('WORKDIR, USER and STOPSIGNAL take the rest of the line', (t) => {
  const [workdir, user, signal] = stageOf('WORKDIR /my app\nUSER app:staff\nSTOPSIGNAL SIGKILL\n');
  t.like(workdir, { kind: 'WORKDIR', path: '/my app' });
  t.like(user, { kind: 'USER', user: 'app:staff' });
  t.like(signal, { kind: 'STOPSIGNAL', signal: 'SIGKILL' });
});

test('EXPOSE takes ports; VOLUME takes paths in either form', (t) => {
  const [expose, volume, jsonVolume] = stageOf('EXPOSE 80 443/tcp 53/udp\nVOLUME /data /logs\nVOLUME ["/a b"]\n');
  t.like(expose, { kind: 'EXPOSE', ports: ['80', '443/tcp', '53/udp'] });
  t.like(volume, { kind: 'VOLUME', paths: ['/data', '/logs'] });
  t.like(jsonVolume, { paths: ['/a b'] });
  t.regex(parseError('FROM scratch\nVOLUME [""]\n').message, /VOLUME has an empty path/);
});

test('HEALTHCHECK takes its flags and a CMD in either form, or NONE', (t) => {
  t.like(only('HEALTHCHECK --interval=1m30s --timeout=5s --start-period=10s --start-interval=2s --retries=3 CMD curl -f http://localhost/\n'), {
    kind: 'HEALTHCHECK', interval: '1m30s', timeout: '5s', startPeriod: '10s', startInterval: '2s', retries: 3,
    test: { form: 'shell', command: 'curl -f http://localhost/' },
  });
  t.like(only('HEALTHCHECK cmd ["/bin/check"]\n'), { test: { form: 'exec', args: ['/bin/check'] } });
  const none = only('HEALTHCHECK NONE\n');
  t.is(none.kind, 'HEALTHCHECK');
  t.false('test' in none);
});

test('HEALTHCHECK refuses bad durations, negative retries, unknown types and a missing command', (t) => {
  t.regex(parseError('FROM scratch\nHEALTHCHECK --interval=5 CMD true\n').message, /HEALTHCHECK --interval: "5" is not a duration/);
  t.regex(parseError('FROM scratch\nHEALTHCHECK --timeout=-1s CMD true\n').message, /--timeout=-1s cannot be negative/);
  t.regex(parseError('FROM scratch\nHEALTHCHECK --interval=10us CMD true\n').message, /cannot be less than 1ms/);
  t.regex(parseError('FROM scratch\nHEALTHCHECK --retries=-1 CMD true\n').message, /--retries=-1 cannot be negative/);
  t.regex(parseError('FROM scratch\nHEALTHCHECK RUN true\n').message, /unknown type RUN/);
  t.regex(parseError('FROM scratch\nHEALTHCHECK CMD\n').message, /needs a command after CMD/);
  t.regex(parseError('FROM scratch\nHEALTHCHECK NONE x\n').message, /NONE takes no arguments/);
});

test('SHELL needs the JSON form', (t) => {
  t.like(only('SHELL ["/bin/bash", "-c"]\n'), { kind: 'SHELL', shell: ['/bin/bash', '-c'] });
  t.regex(parseError('FROM scratch\nSHELL /bin/bash -c\n').message, /^Dockerfile:2: SHELL needs its arguments in JSON form/);
});

test('ONBUILD records its trigger as written and checks it now', (t) => {
  t.like(only('ONBUILD COPY --chown=app . /src\n'), { kind: 'ONBUILD', trigger: 'COPY --chown=app . /src' });
  t.regex(parseError('FROM scratch\nONBUILD ONBUILD RUN x\n').message, /ONBUILD cannot take ONBUILD as its trigger/);
  t.regex(parseError('FROM scratch\nONBUILD FROM x\n').message, /cannot take FROM/);
  t.regex(parseError('FROM scratch\nONBUILD COPY a\n').message, /^Dockerfile:2: COPY needs at least one source and a destination/);
});

test('instructions are case-insensitive', (t) => {
  t.like(only('run echo hi\n'), { kind: 'RUN' });
  t.like(only('Copy a b\n'), { kind: 'COPY' });
});

test('comments and blank lines are skipped, leading white space too', (t) => {
  const parsed = parseDockerfile('# a comment\n\n   # indented comment\nFROM scratch\n\n  RUN a\n#RUN b\n', 'Dockerfile');
  t.deepEqual(parsed.stages[0]?.instructions.map((i) => i.original), ['RUN a']);
  t.deepEqual(parsed.stages[0]?.instructions[0]?.location, { file: 'Dockerfile', startLine: 6, endLine: 6 });
});

test('a line ending in the escape character continues on the next, even with blanks after it', (t) => {
  const run = only('RUN echo a \\\n    b \\  \n  c\n');
  t.like(run, { command: { form: 'shell', command: 'echo a     b   c' }, location: { startLine: 2, endLine: 4 } });
});

test('comment lines and empty lines inside a continuation are dropped', (t) => {
  const run = only('RUN apt-get install \\\n# a comment\n  \n    curl \\\n  # another\n    git\nUSER x\n');
  t.like(run, { command: { form: 'shell', command: 'apt-get install     curl     git' }, location: { startLine: 2, endLine: 7 } });
});

test('a continuation at the end of the file ends the instruction', (t) => {
  t.like(only('RUN echo \\'), { command: { command: 'echo' } });
});

test('the escape directive makes the backtick continue lines and leaves backslashes alone', (t) => {
  const parsed = parseDockerfile('# escape=`\nFROM scratch\nCOPY testfile.txt c:\\\nRUN dir c:\\ `\n  /w\n', 'Dockerfile');
  t.is(parsed.escape, '`');
  t.like(parsed.stages[0]?.instructions[0], { kind: 'COPY', sources: ['testfile.txt'], destination: 'c:\\' });
  t.like(parsed.stages[0]?.instructions[1], { command: { command: 'dir c:\\   /w' } });
});

test('directives stop at the first line that is not one; later ones are comments', (t) => {
  t.is(parseDockerfile('# syntax=docker/dockerfile:1\n#  ESCAPE = `\nFROM scratch\n', 'D').escape, '`');
  t.is(parseDockerfile('# a comment\n# escape=`\nFROM scratch\n', 'D').escape, '\\');
  t.is(parseDockerfile('\n# escape=`\nFROM scratch\n', 'D').escape, '\\');
  t.is(parseDockerfile('# unknown=x\n# escape=`\nFROM scratch\n', 'D').escape, '\\');
  t.is(parseDockerfile('FROM scratch\n# escape=`\n', 'D').escape, '\\');
});

test('a repeated directive or a bad escape character is an error', (t) => {
  t.is(parseError('# escape=`\n# escape=\\\nFROM scratch\n').message, 'Dockerfile:2: the escape parser directive is given more than once');
  t.regex(parseError('# escape=x\nFROM scratch\n').message, /^Dockerfile:1: escape=x: the escape character must be/);
});

test('a byte order mark at the start is ignored', (t) => {
  t.is(parseDockerfile('\ufeff# escape=`\nFROM scratch\n', 'D').escape, '`');
});

test('CRLF line ends are accepted', (t) => {
  t.like(only('RUN a \\\r\n b\r\nUSER x\r\n'), { command: { command: 'a  b' } });
});

test('RUN <<EOF reads the heredoc body up to the delimiter line', (t) => {
  const run = only('RUN <<EOF\necho hello\necho $HOME\nEOF\nUSER x\n');
  t.like(run, {
    kind: 'RUN', command: { form: 'shell', command: '<<EOF' },
    heredocs: [{ name: 'EOF', content: 'echo hello\necho $HOME\n', expand: true, stripTabs: false }],
    location: { startLine: 2, endLine: 5 },
  });
});

test('a quoted heredoc delimiter means the body is not expanded', (t) => {
  t.like(only("RUN <<'EOF'\n$x\nEOF\n"), { heredocs: [{ name: 'EOF', expand: false }] });
  t.like(only('RUN <<"END"\n$x\nEND\n'), { heredocs: [{ name: 'END', expand: false }] });
  t.like(only('RUN <<E"N"D\n$x\nEND\n'), { heredocs: [{ name: 'END', expand: false }] });
});

test('<<- strips leading tabs from the body and the delimiter line', (t) => {
  t.like(only('RUN <<-EOF\n\t\techo a\n\techo b\n\tEOF\n'), { heredocs: [{ name: 'EOF', content: 'echo a\necho b\n', stripTabs: true }] });
});

test('several heredocs on one line are read one after the other', (t) => {
  t.like(only('RUN cat <<A && cat <<B >/b\nfirst\nA\nsecond\nB\n'), {
    command: { command: 'cat <<A && cat <<B >/b' },
    heredocs: [{ name: 'A', content: 'first\n' }, { name: 'B', content: 'second\n' }],
  });
});

test('COPY <<EOF makes an inline file named after the delimiter', (t) => {
  t.like(only('COPY <<hello.txt <<-"b.sh" other /dest/\nhello $USER\nhello.txt\n\techo b\n\tb.sh\n'), {
    sources: ['other'], destination: '/dest/',
    heredocs: [{ name: 'hello.txt', content: 'hello $USER\n', expand: true }, { name: 'b.sh', content: 'echo b\n', expand: false, stripTabs: true }],
  });
});

test('a heredoc marker inside quotes or in exec form is not a heredoc', (t) => {
  t.like(only('RUN echo "<<EOF"\nUSER x\n'), { heredocs: [] });
  t.like(only('RUN ["cat", "<<EOF"]\n'), { command: { form: 'exec', args: ['cat', '<<EOF'] }, heredocs: [] });
});

test('an unterminated heredoc is an error naming the instruction line', (t) => {
  t.is(parseError('FROM scratch\nRUN <<EOF\necho\n').message, 'Dockerfile:2: RUN has a heredoc <<EOF with no closing EOF line before the end of the file');
});

test('a heredoc as COPY destination is an error', (t) => {
  t.regex(parseError('FROM scratch\nCOPY a <<EOF\nx\nEOF\n').message, /COPY cannot take a heredoc \(<<EOF\) as its destination/);
});

test('ONBUILD RUN <<EOF records the body in the trigger', (t) => {
  t.like(only('ONBUILD RUN <<EOF\necho hi\nEOF\n'), { trigger: 'RUN <<EOF\necho hi\nEOF' });
});

test('the original text joins continuations', (t) => {
  t.is(only('LABEL a=1 \\\n  b=2\n').original, 'LABEL a=1   b=2');
});

test('an instruction before the first FROM other than ARG is an error', (t) => {
  t.is(parseError('ARG x\nRUN echo\nFROM scratch\n').message, 'Dockerfile:2: RUN comes before the first FROM; only ARG may');
});

test('a Dockerfile without FROM is an error', (t) => {
  t.regex(parseError('# nothing\n').message, /has no FROM instruction/);
  t.regex(parseError('').message, /has no FROM instruction/);
});

test('an unknown instruction is an error naming it and its line', (t) => {
  t.is(parseError('FROM scratch\nRUNN x\n').message, 'Dockerfile:2: RUNN is not an instruction Docker knows (did you mean RUN?)');
  t.is(parseError('FROM scratch\nFOOBAR x\n').message, 'Dockerfile:2: FOOBAR is not an instruction Docker knows');
  t.is(parseError('FROM scratch\nCONSTRUCTOR x\n').message, 'Dockerfile:2: CONSTRUCTOR is not an instruction Docker knows');
});

test('MAINTAINER is refused with the LABEL to write instead', (t) => {
  t.regex(parseError('FROM scratch\nMAINTAINER me\n').message, /MAINTAINER is deprecated .* LABEL maintainer=/);
});

test('stage names must be valid and unique, compared without case', (t) => {
  t.regex(parseError('FROM scratch AS 1st\n').message, /FROM has an invalid stage name "1st"/);
  t.is(parseError('FROM scratch AS a\nFROM scratch AS A\n').message, 'Dockerfile:2: FROM names stage "a", already the name of the stage on line 1');
  t.regex(parseError('FROM a b\n').message, /FROM takes an image and an optional AS name/);
});

test('instructions without arguments say what they need', (t) => {
  for (const [line, message] of [
    ['RUN', 'RUN needs a command'],
    ['CMD', 'CMD needs a command (write CMD [] for none)'],
    ['ENV', 'ENV needs at least one name=value pair'],
    ['ENV A', 'ENV needs a value for A (write A=value)'],
    ['ENV A=1 B', 'ENV has "B" without =; write each pair as name=value'],
    ['ENV =1', 'ENV has a pair with an empty name: "=1"'],
    ['LABEL', 'LABEL needs at least one name=value pair'],
    ['ARG', 'ARG needs a name (ARG name or ARG name=default)'],
    ['WORKDIR', 'WORKDIR needs a path'],
    ['USER', 'USER needs a user (USER name[:group])'],
    ['EXPOSE', 'EXPOSE needs at least one port (EXPOSE 80 or EXPOSE 53/udp)'],
    ['VOLUME', 'VOLUME needs at least one path'],
    ['ONBUILD', 'ONBUILD needs an instruction to run later (ONBUILD RUN ...)'],
    ['HEALTHCHECK', 'HEALTHCHECK needs NONE or CMD followed by a command'],
  ] as const) {
    t.is(parseError(`FROM scratch\n${line}\n`).message, `Dockerfile:2: ${message}`, line);
  }
});

test('errors are DockerfileErrors carrying file, line and instruction', (t) => {
  const err = parseError('FROM scratch\nCOPY x\n');
  t.is(err.code, 'INVALID_ARGUMENT');
  t.like(err, { file: 'Dockerfile', line: 2, instruction: 'COPY' });
});

test('parseTriggers turns a base image ONBUILD list into instructions placed at the FROM line', (t) => {
  const from = { file: 'Dockerfile', line: 4 };
  const [copy, run] = parseTriggers(['COPY . /src', 'RUN <<EOF\necho hi\nEOF'], from);
  t.like(copy, { kind: 'COPY', sources: ['.'], destination: '/src', location: { file: 'Dockerfile', startLine: 4 } });
  t.like(run, { kind: 'RUN', heredocs: [{ name: 'EOF', content: 'echo hi\n' }] });
});

test('parseTriggers refuses a trigger with FROM, with two instructions, or that does not parse', (t) => {
  const from = { file: 'Dockerfile', line: 4 };
  t.throws(() => parseTriggers(['FROM evil'], from), { instanceOf: DockerfileError, message: 'Dockerfile:4: FROM brings an invalid ONBUILD trigger "FROM evil" from its base image: FROM cannot be a trigger' });
  t.throws(() => parseTriggers(['RUN a\nRUN b'], from), { instanceOf: DockerfileError, message: /"RUN a\\nRUN b" from its base image: holds more than one instruction/ });
  t.throws(() => parseTriggers(['COPY x'], from), { instanceOf: DockerfileError, message: /from its base image: COPY needs at least one source and a destination$/ });
  t.throws(() => parseTriggers([''], from), { instanceOf: DockerfileError, message: /holds no instruction/ });
});

test('ENV, LABEL and ARG words keep their quotes until expandWord removes them, as Docker expands at the step', (t) => {
  const parsed = parseDockerfile('FROM scratch\nENV A="a b" B=c\\ d C=\'$x\' D="$x"\nENV LEGACY hello  "big world"\n', 'Dockerfile');
  const [env, legacy] = parsed.stages[0]?.instructions ?? [];
  if (env?.kind !== 'ENV' || legacy?.kind !== 'ENV') return t.fail();
  const lookup = (name: string): string | undefined => (name === 'x' ? 'X' : undefined);
  t.deepEqual(env.pairs.map((pair) => expandWord(pair.value, lookup, parsed.escape)), ['a b', 'c d', '$x', 'X']);
  t.deepEqual(legacy.pairs.map((pair) => expandWord(pair.value, lookup, parsed.escape)), ['hello  big world']);
});
