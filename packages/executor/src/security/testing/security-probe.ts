/**
 * A child process for the security tests: applyProcessSecurity and loadSeccomp are
 * irreversible for the process that calls them, so the tests never call them in the ava worker.
 * This script takes a scenario (JSON in argv[2]), applies it to itself, makes the probe calls
 * and prints one JSON report on stdout: its own /proc/self/status fields, those of a program it
 * execs afterwards (/bin/cat, which shows what survives execve), and each probe's errno name.
 *
 * Probes are raw system calls (x86_64 numbers) through koffi, loaded from the sys package's
 * dependencies: no product code needs a generic syscall(2). Each probe is chosen so that,
 * should the filter let it through, it fails harmlessly (EINVAL, ENOENT) or changes only this
 * throwaway process.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { capget, capset, errnoName, exitNow, LayerctlError } from '@layerctl/sys';
import { capabilityMask } from '../capabilities.ts';
import { applyProcessSecurity } from '../apply-process-security.ts';
import { dockerDefaultSeccomp } from '../docker-default-seccomp.ts';
import { loadSeccomp } from '../load-seccomp.ts';
import { seccompProgram } from '../seccomp-program.ts';
import type { Process, Seccomp } from '../../spec/runtime-spec.ts';

export interface Scenario {
  /** Given: applyProcessSecurity(process, seccomp). */
  process?: Process;
  /** 'docker-default': dockerDefaultSeccomp(seccompCaps). Loaded by applyProcessSecurity, or alone when process is absent. */
  seccomp?: 'docker-default' | Seccomp;
  seccompCaps?: string[];
  /** Given: the filter goes through seccompProgram's cache in this directory. */
  seccompCacheDir?: string;
  /** Capabilities this process gives up before the scenario, standing for a host whose root lacks them. */
  notHeld?: string[];
  /** A directory of the test's own: the mount probe aims at a missing path under it. */
  scratch: string;
  /** A process of the test's own (root, full capabilities) for the ptrace probe. */
  ptraceTarget?: number;
}

export interface ProbeReport {
  error?: { name: string; code: string; message: string };
  self?: Record<string, string>;
  afterExec?: Record<string, string>;
  probes?: Record<string, string>;
}

/** The little of koffi the probes use (koffi's own types resolve only from the sys package). */
interface Koffi {
  load(name: string): { func(prototype: string): (...args: unknown[]) => number | bigint };
  errno(): number;
}

const STATUS_FIELDS = ['Umask', 'Uid', 'Gid', 'Groups', 'CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb', 'NoNewPrivs', 'Seccomp'];

const SYS = { ptrace: 101, socket: 41, clone: 56, personality: 135, mount: 165, add_key: 248, keyctl: 250, unshare: 272 };
const CLONE_NEWNS = 0x20000;
const CLONE_FS = 0x200;
const CLONE_NEWUTS = 0x04000000;
const PTRACE_ATTACH = 16;
const PTRACE_DETACH = 17;
const KEYCTL_GET_KEYRING_ID = 0;
const KEY_SPEC_THREAD_KEYRING = -1;
const KEY_SPEC_PROCESS_KEYRING = -2;
const AF_VSOCK = 40;
const SOCK_STREAM = 1;
const PER_LINUX = 0;
const ADDR_NO_RANDOMIZE = 0x0040000;
const PERSONALITY_QUERY = 0xffffffff;

function statusFields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const [key = '', value = ''] = line.split(':\t');
    if (STATUS_FIELDS.includes(key)) out[key] = value.trim();
  }
  return out;
}

const koffi: Koffi = createRequire(import.meta.resolve('@layerctl/sys'))('koffi');
const syscall = koffi.load('libc.so.6').func('long syscall(long number, ...)');

/** "soft hard" of /proc/self/limits' open-files line. */
function maxOpenFiles(): string {
  const line = fs.readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files')) ?? '';
  return line.split(/\s+/).slice(3, 5).join(' ');
}

function probes(scenario: Scenario): Record<string, string> {
  const call = (nr: number, ...args: unknown[]): string => {
    const ret = Number(syscall(nr, ...args));
    return ret === -1 ? errnoName(koffi.errno()) : 'ok';
  };
  const L = 'long';
  const S = 'const char *';
  const result: Record<string, string> = {
    mount: call(SYS.mount, S, 'none', S, path.join(scenario.scratch, 'missing', 'target'), S, 'tmpfs', L, 0, L, 0),
    unshare: call(SYS.unshare, L, CLONE_NEWUTS),
    // CLONE_NEWNS with CLONE_FS is EINVAL for the kernel, so an unfiltered call never forks.
    cloneNewns: call(SYS.clone, L, CLONE_NEWNS | CLONE_FS, L, 0, L, 0, L, 0, L, 0),
    keyctl: call(SYS.keyctl, L, KEYCTL_GET_KEYRING_ID, L, KEY_SPEC_PROCESS_KEYRING, L, 0),
    addKey: call(SYS.add_key, S, 'user', S, 'layerctl-probe', S, 'x', L, 1, L, KEY_SPEC_THREAD_KEYRING),
    socketVsock: call(SYS.socket, L, AF_VSOCK, L, SOCK_STREAM, L, 0),
    personalityQuery: call(SYS.personality, L, PERSONALITY_QUERY),
    personalityLinux: call(SYS.personality, L, PER_LINUX),
    personalityNoRandomize: call(SYS.personality, L, ADDR_NO_RANDOMIZE),
    spawnTrue: spawnSync('/bin/true').status === 0 ? 'ok' : 'failed',
    readFile: fs.readFileSync('/proc/self/status', 'utf8').includes('Pid:') ? 'ok' : 'failed',
  };
  if (scenario.ptraceTarget !== undefined) {
    result['ptraceAttach'] = call(SYS.ptrace, L, PTRACE_ATTACH, L, scenario.ptraceTarget, L, 0, L, 0);
    if (result['ptraceAttach'] === 'ok') call(SYS.ptrace, L, PTRACE_DETACH, L, scenario.ptraceTarget, L, 0, L, 0);
  }
  return result;
}

function run(scenario: Scenario): ProbeReport {
  if (scenario.notHeld !== undefined) {
    const drop = capabilityMask(scenario.notHeld);
    const held = capget();
    capset({ effective: held.effective & ~drop, permitted: held.permitted & ~drop, inheritable: held.inheritable & ~drop });
  }
  const spec = scenario.seccomp === 'docker-default' ? dockerDefaultSeccomp(scenario.seccompCaps) : scenario.seccomp;
  const seccomp = spec !== undefined && scenario.seccompCacheDir !== undefined ? seccompProgram(spec, scenario.seccompCacheDir) : spec;
  if (scenario.process !== undefined) applyProcessSecurity(scenario.process, seccomp);
  else if (seccomp !== undefined) loadSeccomp(seccomp);
  const afterExec = spawnSync('/bin/cat', ['/proc/self/status'], { encoding: 'utf8' });
  return {
    self: { ...statusFields(fs.readFileSync('/proc/self/status', 'utf8')), MaxOpenFiles: maxOpenFiles() },
    afterExec: statusFields(afterExec.stdout),
    probes: probes(scenario),
  };
}

function main(): void {
  const scenario: Scenario = JSON.parse(process.argv[2] ?? '{}');
  let report: ProbeReport;
  try {
    report = run(scenario);
  } catch (err) {
    if (!(err instanceof LayerctlError)) throw err;
    report = { error: { name: err.name, code: err.code, message: err.message }, self: statusFields(fs.readFileSync('/proc/self/status', 'utf8')) };
  }
  fs.writeSync(1, `${JSON.stringify(report)}\n`);
  // Never back to the event loop: Docker's profile refuses io_uring_enter, which libuv calls on
  // its way out and aborts on. The container's init likewise goes from the filter to execve.
  exitNow(0);
}

main();
