import test from 'ava';
import { parseDockerfile } from '../dockerfile/parse-dockerfile.ts';
import { expandWord, expandWords } from '../dockerfile/expand.ts';
import type { BuildContainerConfig } from '../image-config/build-config.ts';
import { applyConfigInstruction, isConfigInstruction, setEnv, type ConfigStepState } from './config-step.ts';

/** Applies each line after `FROM scratch` to `config` with ENV as the only variables. */
function apply(lines: string, config: BuildContainerConfig = {}, state: ConfigStepState = { cmdSet: false }): { config: BuildContainerConfig; createdBy: string[] } {
  const createdBy: string[] = [];
  for (const instruction of parseDockerfile(`FROM scratch\n${lines}\n`, 'Dockerfile').stages[0]?.instructions ?? []) {
    if (!isConfigInstruction(instruction)) throw new TypeError(`${instruction.kind} is not a config step`);
    const lookup = (name: string): string | undefined => config.Env?.find((entry) => entry.startsWith(`${name}=`))?.slice(name.length + 1);
    const expander = { word: (word: string) => expandWord(word, lookup), words: (word: string) => expandWords(word, lookup) };
    createdBy.push(applyConfigInstruction(config, instruction, expander, state).createdBy);
  }
  return { config, createdBy };
}

test('ENV sets and replaces variables in order, and later words see earlier lines', (t) => {
  const { config } = apply('ENV A=1 B=2\nENV A=3 C=${B}x');
  t.deepEqual(config.Env, ['A=3', 'B=2', 'C=2x']);
});

test('LABEL merges with the labels already there and expands values', (t) => {
  const { config } = apply('ENV V=1.0\nLABEL a=b version=$V\nLABEL a=c', { Labels: { base: 'yes' } });
  t.deepEqual(config.Labels, { base: 'yes', a: 'c', version: '1.0' });
});

test('WORKDIR resolves a relative path against the previous one', (t) => {
  const { config } = apply('WORKDIR /app\nWORKDIR src\nWORKDIR ../lib');
  t.is(config.WorkingDir, '/app/lib');
});

test('CMD and ENTRYPOINT in shell form run through SHELL, exec form as given', (t) => {
  const { config } = apply('CMD echo hi\nSHELL ["/bin/bash", "-ec"]\nENTRYPOINT ["/bin/app"]\nCMD run fast');
  t.deepEqual(config.Entrypoint, ['/bin/app']);
  t.deepEqual(config.Cmd, ['/bin/bash', '-ec', 'run fast']);
  t.deepEqual(config.Shell, ['/bin/bash', '-ec']);
});

test('ENTRYPOINT clears a CMD inherited from the base image, but not one set in this stage', (t) => {
  t.is(apply('ENTRYPOINT ["/x"]', { Cmd: ['sh'] }).config.Cmd, undefined);
  t.deepEqual(apply('CMD ["y"]\nENTRYPOINT ["/x"]', { Cmd: ['sh'] }).config.Cmd, ['y']);
});

test('EXPOSE records ports with their protocol, splitting a variable holding several', (t) => {
  const { config } = apply('ENV PORTS="80 443"\nEXPOSE $PORTS 53/UDP');
  t.deepEqual(config.ExposedPorts, { '80/tcp': {}, '443/tcp': {}, '53/udp': {} });
});

test('VOLUME, USER, STOPSIGNAL and ONBUILD are recorded as Docker records them', (t) => {
  const { config } = apply('VOLUME /data /logs\nUSER www-data:www-data\nSTOPSIGNAL SIGQUIT\nONBUILD RUN echo child');
  t.deepEqual(config.Volumes, { '/data': {}, '/logs': {} });
  t.is(config.User, 'www-data:www-data');
  t.is(config.StopSignal, 'SIGQUIT');
  t.deepEqual(config.OnBuild, ['RUN echo child']);
});

test('HEALTHCHECK keeps its test form and turns durations into nanoseconds; NONE disables', (t) => {
  const { config } = apply('HEALTHCHECK --interval=1m30s --timeout=3s --retries=4 CMD curl -f http://localhost/');
  t.deepEqual(config.Healthcheck, { Test: ['CMD-SHELL', 'curl -f http://localhost/'], Interval: 90e9, Timeout: 3e9, Retries: 4 });
  t.deepEqual(apply('HEALTHCHECK NONE').config.Healthcheck, { Test: ['NONE'] });
});

test('history lines name the instruction with its expanded words', (t) => {
  const { createdBy } = apply('ENV A=x\nWORKDIR /$A\nCMD ["a", "b"]');
  t.deepEqual(createdBy, ['ENV A=x', 'WORKDIR /x', 'CMD ["a","b"]']);
});

test('setEnv replaces a variable in place and appends a new one', (t) => {
  t.deepEqual(setEnv(['A=1', 'B=2'], 'A', '3'), ['A=3', 'B=2']);
  t.deepEqual(setEnv(['A=1'], 'B', 'x=y'), ['A=1', 'B=x=y']);
});
