import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, wrapNodeError } from '@layerctl/sys';
import type { Spec } from './runtime-spec.ts';
import { CONFIG_JSON } from './write-bundle.ts';

// A spec is a few kilobytes; a seccomp profile makes it some tens. Anything far larger is not one.
const MAX_SPEC_BYTES = 4 * 1024 * 1024;

/**
 * Reads and checks `<bundle>/config.json` (sync: the init reads it on its main thread, where the
 * namespaces are). Every field the executor acts on is checked for its type; a wrong one fails
 * with the field's JSON path, e.g. "config.json: process.args[1] must be a string".
 */
export function readSpec(bundle: string): Spec {
  const file = path.join(bundle, CONFIG_JSON);
  let text: string;
  try {
    if (fs.statSync(file).size > MAX_SPEC_BYTES) throw new InvalidArgumentError(`${file}: larger than ${MAX_SPEC_BYTES} bytes`);
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw wrapNodeError(error, file);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentError(`${file}: not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  return parseSpec(json, file);
}

type Check = (value: unknown, at: string) => void;

class SpecError extends InvalidArgumentError {}

const fail = (at: string, what: string): never => {
  throw new SpecError(`${at} must be ${what}`);
};
const string: Check = (v, at) => void (typeof v === 'string' || fail(at, 'a string'));
const integer: Check = (v, at) => void (Number.isSafeInteger(v) || fail(at, 'an integer'));
const boolean: Check = (v, at) => void (typeof v === 'boolean' || fail(at, 'true or false'));
const array =
  (item: Check): Check =>
  (v, at) => {
    if (!Array.isArray(v)) fail(at, 'an array');
    else v.forEach((x, i) => item(x, `${at}[${i}]`));
  };
const record =
  (item: Check): Check =>
  (v, at) => {
    if (!isObject(v)) fail(at, 'an object');
    else for (const [k, x] of Object.entries(v)) item(x, `${at}.${k}`);
  };
/** An object whose listed fields are checked; `?` after a name makes it optional. Others pass. */
const object =
  (fields: Record<string, Check>): Check =>
  (v, at) => {
    if (!isObject(v)) return fail(at, 'an object');
    for (const [name, check] of Object.entries(fields)) {
      const optional = name.endsWith('?');
      const key = optional ? name.slice(0, -1) : name;
      const value = v[key];
      if (value === undefined) {
        if (!optional) fail(`${at}.${key}`, 'present');
      } else check(value, `${at}.${key}`);
    }
  };

const strings = array(string);
const oneOf =
  (...values: string[]): Check =>
  (v, at) =>
    void (typeof v === 'string' && values.includes(v) ? undefined : fail(at, `one of ${values.join(', ')}`));
const absolutePath: Check = (v, at) => void (typeof v === 'string' && v.startsWith('/') ? undefined : fail(at, 'an absolute path'));
const mount = object({ destination: absolutePath, 'type?': string, 'source?': string, 'options?': strings });
const capabilities = object({ 'bounding?': strings, 'effective?': strings, 'inheritable?': strings, 'permitted?': strings, 'ambient?': strings });
const seccompArg = object({ index: integer, value: integer, 'valueTwo?': integer, op: string });
const seccomp = object({
  defaultAction: string,
  'defaultErrnoRet?': integer,
  'architectures?': strings,
  'syscalls?': array(object({ names: strings, action: string, 'errnoRet?': integer, 'args?': array(seccompArg) })),
});
const device = object({ type: oneOf('c', 'b', 'u', 'p'), path: absolutePath, 'major?': integer, 'minor?': integer, 'fileMode?': integer, 'uid?': integer, 'gid?': integer });
const resources = object({
  'devices?': array(object({ allow: boolean, 'type?': string, 'major?': integer, 'minor?': integer, 'access?': string })),
  'memory?': object({ 'limit?': integer, 'swap?': integer, 'reservation?': integer, 'disableOOMKiller?': boolean }),
  'cpu?': object({ 'shares?': integer, 'quota?': integer, 'period?': integer, 'cpus?': string, 'mems?': string }),
  'pids?': object({ limit: integer }),
  'blockIO?': object({ 'weight?': integer }),
  'unified?': record(string),
});
const specShape = object({
  ociVersion: string,
  process: object({
    'terminal?': boolean,
    'consoleSize?': object({ height: integer, width: integer }),
    user: object({ uid: integer, gid: integer, 'umask?': integer, 'additionalGids?': array(integer) }),
    args: (v, at) => {
      strings(v, at);
      if (Array.isArray(v) && v.length === 0) fail(at, 'a non-empty array');
    },
    env: strings,
    cwd: absolutePath,
    'capabilities?': capabilities,
    'rlimits?': array(object({ type: string, hard: integer, soft: integer })),
    'noNewPrivileges?': boolean,
    'oomScoreAdj?': integer,
  }),
  root: object({ path: string, 'readonly?': boolean }),
  'hostname?': string,
  mounts: array(mount),
  linux: object({
    namespaces: array(object({ type: oneOf('pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time'), 'path?': absolutePath })),
    'cgroupsPath?': string,
    'resources?': resources,
    'devices?': array(device),
    'maskedPaths?': strings,
    'readonlyPaths?': strings,
    'seccomp?': seccomp,
    'sysctl?': record(string),
    'rootfsPropagation?': string,
  }),
  'annotations?': record(string),
});

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks a parsed config.json; `file` names it in errors. */
export function parseSpec(json: unknown, file: string): Spec {
  try {
    assertSpec(json);
  } catch (error) {
    if (error instanceof SpecError) throw new InvalidArgumentError(`${file}: ${error.message}`);
    throw error;
  }
  return json;
}

function assertSpec(json: unknown): asserts json is Spec {
  specShape(json, 'config');
}
