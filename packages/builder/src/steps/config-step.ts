import path from 'node:path';
import type { CommandForm, Instruction } from '../dockerfile/instructions.ts';
import type { BuildContainerConfig, HealthConfig } from '../image-config/build-config.ts';
import { DEFAULT_SHELL } from '../image-config/build-config.ts';
import { parseDuration } from '../dockerfile/duration.ts';

/** The instructions that change only the image config, never the filesystem. */
export type ConfigInstruction = Extract<
  Instruction,
  { kind: 'ENV' | 'LABEL' | 'WORKDIR' | 'USER' | 'CMD' | 'ENTRYPOINT' | 'EXPOSE' | 'VOLUME' | 'STOPSIGNAL' | 'HEALTHCHECK' | 'SHELL' | 'ONBUILD' }
>;

const CONFIG_KINDS = new Set<string>(['ENV', 'LABEL', 'WORKDIR', 'USER', 'CMD', 'ENTRYPOINT', 'EXPOSE', 'VOLUME', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL', 'ONBUILD']);

export function isConfigInstruction(instruction: Instruction): instruction is ConfigInstruction {
  return CONFIG_KINDS.has(instruction.kind);
}

/** Variable expansion with the ARG and ENV values in scope at this step. */
export interface Expander {
  word(word: string): string;
  /** Expands and splits at unquoted white space (EXPOSE). */
  words(word: string): string[];
}

/** What a config step did: its canonical form (for the cache key) and its history line. */
export interface ConfigChange {
  canonical: unknown;
  createdBy: string;
}

/** Per-stage facts a config step needs beyond the config itself. */
export interface ConfigStepState {
  /** Whether CMD was set in this stage: ENTRYPOINT clears an inherited CMD, as Docker does. */
  cmdSet: boolean;
}

/**
 * Applies one config instruction to `config` in place. `expander` substitutes variables in the
 * words Docker expands (ENV, LABEL, WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL); CMD, ENTRYPOINT,
 * HEALTHCHECK and SHELL are kept as written, for the shell to expand when they run.
 */
export function applyConfigInstruction(config: BuildContainerConfig, instruction: ConfigInstruction, expander: Expander, state: ConfigStepState): ConfigChange {
  const expand = (word: string): string => expander.word(word);
  switch (instruction.kind) {
    case 'ENV': {
      const pairs = instruction.pairs.map(({ key, value }) => ({ key: expand(key), value: expand(value) }));
      for (const { key, value } of pairs) config.Env = setEnv(config.Env ?? [], key, value);
      return change(['ENV', pairs], `ENV ${pairs.map(({ key, value }) => `${key}=${value}`).join(' ')}`);
    }
    case 'LABEL': {
      const pairs = instruction.pairs.map(({ key, value }) => ({ key: expand(key), value: expand(value) }));
      config.Labels = { ...config.Labels };
      for (const { key, value } of pairs) config.Labels[key] = value;
      return change(['LABEL', pairs], `LABEL ${pairs.map(({ key, value }) => `${key}=${value}`).join(' ')}`);
    }
    case 'WORKDIR': {
      const dir = path.posix.resolve(config.WorkingDir || '/', expand(instruction.path));
      config.WorkingDir = dir;
      return change(['WORKDIR', dir], `WORKDIR ${dir}`);
    }
    case 'USER': {
      const user = expand(instruction.user);
      config.User = user;
      return change(['USER', user], `USER ${user}`);
    }
    case 'CMD': {
      config.Cmd = commandArgs(instruction.command, config.Shell);
      state.cmdSet = true;
      return change(['CMD', config.Cmd], `CMD ${JSON.stringify(config.Cmd)}`);
    }
    case 'ENTRYPOINT': {
      config.Entrypoint = commandArgs(instruction.command, config.Shell);
      if (!state.cmdSet) delete config.Cmd;
      return change(['ENTRYPOINT', config.Entrypoint], `ENTRYPOINT ${JSON.stringify(config.Entrypoint)}`);
    }
    case 'EXPOSE': {
      const ports = instruction.ports.flatMap((port) => expander.words(port)).map(normalizePort);
      config.ExposedPorts = { ...config.ExposedPorts };
      for (const port of ports) config.ExposedPorts[port] = {};
      return change(['EXPOSE', ports], `EXPOSE map[${ports.map((port) => `${port}:{}`).join(' ')}]`);
    }
    case 'VOLUME': {
      const paths = instruction.paths.map(expand);
      config.Volumes = { ...config.Volumes };
      for (const volume of paths) config.Volumes[volume] = {};
      return change(['VOLUME', paths], `VOLUME ${JSON.stringify(paths)}`);
    }
    case 'STOPSIGNAL': {
      const signal = expand(instruction.signal);
      config.StopSignal = signal;
      return change(['STOPSIGNAL', signal], `STOPSIGNAL ${signal}`);
    }
    case 'HEALTHCHECK': {
      config.Healthcheck = healthConfig(instruction);
      return change(['HEALTHCHECK', config.Healthcheck], `HEALTHCHECK ${JSON.stringify(config.Healthcheck.Test)}`);
    }
    case 'SHELL': {
      config.Shell = [...instruction.shell];
      return change(['SHELL', config.Shell], `SHELL ${JSON.stringify(config.Shell)}`);
    }
    case 'ONBUILD': {
      config.OnBuild = [...(config.OnBuild ?? []), instruction.trigger];
      return change(['ONBUILD', instruction.trigger], `ONBUILD ${instruction.trigger}`);
    }
  }
}

function change(canonical: unknown, createdBy: string): ConfigChange {
  return { canonical, createdBy };
}

/** Exec form as given; shell form through SHELL (Docker's default /bin/sh -c). */
export function commandArgs(command: CommandForm, shell: readonly string[] | undefined): string[] {
  return command.form === 'exec' ? [...command.args] : [...(shell ?? DEFAULT_SHELL), command.command];
}

/** Env with `key` set to `value`, replacing an earlier value in place. */
export function setEnv(env: readonly string[], key: string, value: string): string[] {
  const entry = `${key}=${value}`;
  const at = env.findIndex((item) => item.slice(0, item.indexOf('=')) === key);
  if (at === -1) return [...env, entry];
  return env.map((item, i) => (i === at ? entry : item));
}

/** The value of `key` in an Env list, or undefined. */
export function getEnv(env: readonly string[] | undefined, key: string): string | undefined {
  const item = env?.find((entry) => entry.slice(0, entry.indexOf('=')) === key);
  return item?.slice(item.indexOf('=') + 1);
}

/** '80' → '80/tcp', as Docker records exposed ports. */
function normalizePort(port: string): string {
  return port.includes('/') ? port.toLowerCase() : `${port}/tcp`;
}

function healthConfig(instruction: Extract<ConfigInstruction, { kind: 'HEALTHCHECK' }>): HealthConfig {
  if (instruction.test === undefined) return { Test: ['NONE'] };
  const test = instruction.test.form === 'exec' ? ['CMD', ...instruction.test.args] : ['CMD-SHELL', instruction.test.command];
  const health: HealthConfig = { Test: test };
  if (instruction.interval !== undefined) health.Interval = parseDuration(instruction.interval);
  if (instruction.timeout !== undefined) health.Timeout = parseDuration(instruction.timeout);
  if (instruction.startPeriod !== undefined) health.StartPeriod = parseDuration(instruction.startPeriod);
  if (instruction.startInterval !== undefined) health.StartInterval = parseDuration(instruction.startInterval);
  if (instruction.retries !== undefined) health.Retries = instruction.retries;
  return health;
}
