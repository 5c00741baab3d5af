import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { scratchDir } from '@layerctl/sys/testing';
import { dockerDefaultSeccomp } from './docker-default-seccomp.ts';
import { compileSeccomp } from './compile-seccomp.ts';
import { seccompProgram } from './seccomp-program.ts';
import { runProbe } from './testing/run-probe.ts';

/** BPF_RET | BPF_K: a classic BPF program must end with a return. */
const BPF_RET_K = 0x06;
const DIGEST_BYTES = 32;

function cachedFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.bpf'));
}

test("Docker's profile compiles to the same whole BPF program each time", (t) => {
  const a = compileSeccomp(dockerDefaultSeccomp());
  const b = compileSeccomp(dockerDefaultSeccomp());
  t.true(a.equals(b));
  t.is(a.length % 8, 0);
  t.is(a.readUInt16LE(a.length - 8), BPF_RET_K);
});

test('the program is compiled once per filter and read back from the cache after', (t) => {
  const dir = path.join(scratchDir(t), 'seccomp');
  const first = seccompProgram(dockerDefaultSeccomp(), dir);
  const [file] = cachedFiles(dir);
  t.not(file, undefined);
  const where = path.join(dir, file ?? '');
  const before = fs.statSync(where, { bigint: true });
  const again = seccompProgram(dockerDefaultSeccomp(), dir);
  t.true(again.equals(first));
  t.is(fs.statSync(where, { bigint: true }).mtimeNs, before.mtimeNs);
  t.true(first.equals(compileSeccomp(dockerDefaultSeccomp())));
  // Another filter is another file.
  seccompProgram(dockerDefaultSeccomp(['CAP_SYS_ADMIN']), dir);
  t.is(cachedFiles(dir).length, 2);
});

test('a damaged or truncated cache file is compiled again and replaced', (t) => {
  const dir = path.join(scratchDir(t), 'seccomp');
  const good = seccompProgram(dockerDefaultSeccomp(), dir);
  const file = path.join(dir, cachedFiles(dir)[0] ?? '');
  const data = fs.readFileSync(file);
  data[DIGEST_BYTES + 9] = (data[DIGEST_BYTES + 9] ?? 0) ^ 0xff;
  fs.writeFileSync(file, data);
  t.true(seccompProgram(dockerDefaultSeccomp(), dir).equals(good));
  fs.writeFileSync(file, data.subarray(0, 20));
  t.true(seccompProgram(dockerDefaultSeccomp(), dir).equals(good));
  t.true(fs.readFileSync(file).subarray(DIGEST_BYTES).equals(good));
});

test('a program read from the cache refuses what the compiled filter refuses', (t) => {
  const scratch = scratchDir(t);
  const cache = path.join(scratch, 'seccomp');
  runProbe({ scratch, seccomp: 'docker-default', seccompCacheDir: cache });
  t.is(cachedFiles(cache).length, 1);
  const report = runProbe({ scratch, seccomp: 'docker-default', seccompCacheDir: cache });
  t.is(report.error, undefined);
  t.is(report.status?.['Seccomp'], '2');
  for (const probe of ['mount', 'unshare', 'keyctl', 'addKey', 'cloneNewns']) t.is(report.probes?.[probe], 'EPERM', probe);
  t.is(report.probes?.['spawnTrue'], 'ok');
});

test('a cache directory that cannot be made or written does not stop the program', (t) => {
  const scratch = scratchDir(t);
  const blocker = path.join(scratch, 'not-a-dir');
  fs.writeFileSync(blocker, '');
  const program = seccompProgram(dockerDefaultSeccomp(), path.join(blocker, 'seccomp'));
  t.true(program.equals(compileSeccomp(dockerDefaultSeccomp())));
});
