/**
 * bench/compare: layerctl next to the tools people would pick instead, in one run, on the same
 * machine, data and filesystem (issue 9, "Side by side"):
 *   node bench/compare/run.ts [--runs 5] [--dir /dev/shm] [--json FILE]
 *
 * Pairs, each printed as layerctl time / other time (medians; above 1.00x layerctl is behind):
 * - container start-up, busybox /bin/true on the same rootfs: `layerctl run --rm` and our
 *   executor alone against crun and runc (bench/run/run.ts, run as a child; crun in a mount
 *   namespace without the cgroup2 mount, which it refuses on this hybrid host);
 * - mounting: prepare + mount of a snapshot on 1, 16 and 128 layers against a bare
 *   fsconfig/mount of the same overlay (bench/snapshots/run.ts);
 * - layer pack and unpack: packTree → zstd -3 → content store against `tar | zstd -3`, and the
 *   reverse against `zstd -d | tar -x` (bench/archive/run.ts, a 64 MiB tree);
 * - image unpack of the same gzip OCI image: applyLayer (unpack-phase.ts) against `umoci unpack`
 *   (umoci 0.4.7 reads gzip layers only);
 * - build of fixtures/dockerfiles/busybox-app from the same busybox base, cold and cached:
 *   `layerctl build` against `buildah bud --layers` (overlay storage, chroot isolation), when
 *   buildah is installed;
 * - `podman run --rm` (runc, overlay storage, the same tar imported) against `layerctl run --rm`,
 *   when podman is installed; docker is not measured: the docker here is a client without a
 *   daemon, and the report says so.
 * Everything lives in one scratch dir under --dir (tmpfs by default, every tool's store there),
 * removed at the end, on error and on Ctrl-C.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openCgroup } from '@layerctl/executor';
import { LayerctlError, UsageError } from '@layerctl/sys';
import { Runner, summarize, type Summary } from '../archive/measure.ts';
import { unmountUnder } from '../snapshots/scratch-mounts.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHECKOUT = path.resolve(HERE, '../..');
const LAYERCTL = path.join(CHECKOUT, 'packages/layerctl/bin/layerctl.js');
const MAKE_ROOTFS = path.join(CHECKOUT, 'fixtures/busybox/make-rootfs.sh');
const BUILD_FIXTURE = path.join(CHECKOUT, 'fixtures/dockerfiles/busybox-app');
const UNPACK_PHASE = path.join(HERE, 'unpack-phase.ts');

interface Pair {
  group: string;
  name: string;
  ours: Summary | undefined;
  other: Summary | undefined;
  otherName: string;
  /** Why a side has no figure (not installed, failed). */
  note: string | undefined;
}

interface Options {
  runs: number;
  dir: string;
  json: string | undefined;
}

function parseOptions(): Options {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, dir: { type: 'string', default: '/dev/shm' }, json: { type: 'string' } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 2) throw new UsageError(`--runs ${values.runs}: a whole number of at least 2`);
  return { runs, dir: values.dir, json: values.json };
}

const runner = new Runner();
const progress = (line: string): void => void process.stderr.write(`compare: ${line}\n`);

/** Runs one of the other benches as a child with --json, and reads its JSON back. */
async function childBench(script: string, args: string[], scratch: string): Promise<unknown> {
  const json = path.join(scratch, `${path.basename(path.dirname(script))}.json`);
  await runner.shell([process.execPath, script, ...args, '--json', json].map(quote).join(' '));
  return JSON.parse(fs.readFileSync(json, 'utf8'));
}

function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function records(value: unknown, where: string): Record<string, unknown>[] {
  if (!Array.isArray(value) || !value.every(isRecord)) throw new LayerctlError(`${where}: not a list of objects`);
  return value;
}

function summary(value: unknown, where: string): Summary {
  if (!isRecord(value) || typeof value['medianMs'] !== 'number' || typeof value['minMs'] !== 'number' || typeof value['maxMs'] !== 'number') {
    throw new LayerctlError(`${where}: not a { medianMs, minMs, maxMs } summary`);
  }
  return { medianMs: value['medianMs'], minMs: value['minMs'], maxMs: value['maxMs'], maxRssBytes: undefined };
}

function fromTimes(value: unknown, where: string): Summary | undefined {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number')) throw new LayerctlError(`${where}: times is not a list of numbers`);
  return value.length === 0 ? undefined : summarize(value.map((ms) => ({ ms, maxRssBytes: undefined })));
}

/** bench/run: layerctl and the executor against crun and runc (and podman/docker when they work here). */
async function startUp(options: Options, scratch: string): Promise<Pair[]> {
  progress(`container start-up (bench/run/run.ts --runs ${options.runs * 2})`);
  const doc = await childBench(path.join(CHECKOUT, 'bench/run/run.ts'), ['--runs', String(options.runs * 2), '--dir', scratch], scratch);
  const outcomes = records(isRecord(doc) ? doc['outcomes'] : undefined, 'bench/run outcomes');
  const of = (name: string): { summary: Summary | undefined; note: string | undefined } => {
    const o = outcomes.find((x) => x['name'] === name);
    if (o === undefined) return { summary: undefined, note: `${name}: not in bench/run's output` };
    const note = typeof o['skipped'] === 'string' ? `${name} ${o['skipped']}` : typeof o['failed'] === 'string' ? `${name} failed: ${o['failed']}` : undefined;
    return { summary: note === undefined ? fromTimes(o['times'], `bench/run ${name}`) : undefined, note };
  };
  const pairs: Pair[] = [];
  for (const ours of ['layerctl', 'executor']) {
    for (const other of ['crun', 'runc']) {
      const a = of(ours);
      const b = of(other);
      pairs.push({ group: 'start-up: busybox /bin/true', name: ours === 'layerctl' ? 'layerctl run --rm' : 'executor alone', ours: a.summary, other: b.summary, otherName: other, note: a.note ?? b.note });
    }
  }
  return pairs;
}

/** bench/snapshots: prepare + mount against a bare mount of the same overlay. */
async function mountFloor(options: Options, scratch: string): Promise<Pair[]> {
  progress(`mount floor (bench/snapshots/run.ts --layers 1,16,128 --runs ${options.runs * 2})`);
  const doc = await childBench(path.join(CHECKOUT, 'bench/snapshots/run.ts'), ['--layers', '1,16,128', '--runs', String(options.runs * 2), '--no-file-ops', '--dir', scratch], scratch);
  const depths = isRecord(doc) && isRecord(doc['depths']) ? doc['depths']['results'] : undefined;
  return records(depths, 'bench/snapshots depths.results').map((d) => {
    const mount = summary(d['mount'], 'bench/snapshots mount');
    const bare = summary(d['bareMount'], 'bench/snapshots bareMount');
    return { group: 'mount: a snapshot on N layers', name: `mount, ${String(d['layers'])} layers`, ours: mount, other: bare, otherName: 'bare fsconfig/mount(2)', note: undefined };
  });
}

/** bench/archive: pack and unpack against tar and zstd. */
async function packUnpack(options: Options, scratch: string): Promise<Pair[]> {
  progress(`layer pack and unpack (bench/archive/run.ts --size 64M --runs ${options.runs})`);
  const doc = await childBench(path.join(CHECKOUT, 'bench/archive/run.ts'), ['--size', '64M', '--runs', String(options.runs), '--dir', scratch], scratch);
  return records(isRecord(doc) ? doc['workloads'] : undefined, 'bench/archive workloads').map((w) => {
    const product = records(w['ours'], 'bench/archive ours').find((o) => o['product'] === true);
    return {
      group: 'layers: a 64 MiB tree',
      name: String(w['name']),
      ours: product === undefined ? undefined : summary(product['summary'], 'bench/archive ours summary'),
      other: summary(w['baseline'], 'bench/archive baseline'),
      otherName: String(w['baselineScript']),
      note: undefined,
    };
  });
}

/** The busybox base as a gzip OCI layout, made by umoci itself (so umoci reads what it wrote). */
async function gzipLayout(scratch: string, busyboxTar: string): Promise<string> {
  const layout = path.join(scratch, 'oci');
  const bundle = path.join(scratch, 'umoci-make');
  const sh = (script: string): Promise<unknown> => runner.shell(script);
  await sh(`umoci init --layout ${quote(layout)} && umoci new --image ${quote(layout)}:busybox && umoci unpack --image ${quote(layout)}:busybox ${quote(bundle)}`);
  await sh(`tar -x -C ${quote(path.join(bundle, 'rootfs'))} -f ${quote(busyboxTar)} && umoci repack --image ${quote(layout)}:busybox ${quote(bundle)}`);
  fs.rmSync(bundle, { recursive: true, force: true });
  return layout;
}

/** applyLayer of the layout's gzip layers against `umoci unpack`, taking turns, each into a fresh dir. */
async function unpackImage(options: Options, scratch: string, busyboxTar: string): Promise<Pair[]> {
  progress(`image unpack: layerctl applyLayer against umoci unpack, ${options.runs} runs after a warm-up`);
  const layout = await gzipLayout(scratch, busyboxTar);
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let round = 0; round <= options.runs; round++) {
    const a = path.join(scratch, `unpack-ours-${round}`);
    const b = path.join(scratch, `unpack-umoci-${round}`);
    const { stdout } = await runnerOutput(process.execPath, [UNPACK_PHASE, '--layout', layout, '--target', a]);
    const phase: unknown = JSON.parse(stdout);
    if (!isRecord(phase) || typeof phase['ms'] !== 'number') throw new LayerctlError(`unpack-phase printed ${stdout.slice(0, 200)}`);
    const umoci = await runner.shell(`umoci unpack --image ${quote(layout)}:busybox ${quote(b)}`);
    if (round > 0) {
      ours.push(phase['ms']);
      theirs.push(umoci.ms);
    }
    fs.rmSync(a, { recursive: true, force: true });
    fs.rmSync(b, { recursive: true, force: true });
  }
  const s = (times: number[]): Summary => summarize(times.map((ms) => ({ ms, maxRssBytes: undefined })));
  return [{ group: 'image unpack: busybox, gzip OCI layout', name: 'applyLayer (work only, no Node start-up)', ours: s(ours), other: s(theirs), otherName: 'umoci unpack (process, incl. config.json and mtree)', note: undefined }];
}

function runnerOutput(command: string, args: string[]): Promise<{ stdout: string }> {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) return Promise.reject(new LayerctlError(`${path.basename(command)} ${args.join(' ')}: exit ${result.status}: ${result.stderr.trim().split('\n').at(-1) ?? ''}`));
  return Promise.resolve({ stdout: result.stdout });
}

/** Why buildah cannot be measured here, or undefined when it can. */
function buildahMissing(): string | undefined {
  if (spawnSync('sh', ['-c', 'command -v buildah'], { stdio: 'ignore' }).status !== 0) return 'buildah is not installed (apt-get install buildah)';
  return undefined;
}

/** `layerctl build` against `buildah bud --layers`, each round on fresh stores (base imported untimed), cold then cached. */
async function build(options: Options, scratch: string, busyboxTar: string, cgroupParent: string): Promise<Pair[]> {
  const missing = buildahMissing();
  const times = { oursCold: [] as number[], oursCached: [] as number[], theirsCold: [] as number[], theirsCached: [] as number[] };
  progress(`build of busybox-app: layerctl against ${missing === undefined ? 'buildah' : `nothing (${missing})`}, ${options.runs} runs after a warm-up`);
  for (let round = 0; round <= options.runs; round++) {
    const root = path.join(scratch, `layerctl-${round}`);
    await runner.shell(`${quote(process.execPath)} ${quote(LAYERCTL)} --root ${quote(root)} import ${quote(busyboxTar)} busybox`);
    const buildCmd = `${quote(process.execPath)} ${quote(LAYERCTL)} --root ${quote(root)} build --progress plain --cgroup-parent ${cgroupParent} -t bench ${quote(BUILD_FIXTURE)}`;
    const oursCold = (await runner.shell(buildCmd)).ms;
    const oursCached = (await runner.shell(buildCmd)).ms;
    await runner.shell(`${quote(process.execPath)} ${quote(LAYERCTL)} --root ${quote(root)} gc`);
    if (round > 0) {
      times.oursCold.push(oursCold);
      times.oursCached.push(oursCached);
    }
    if (missing === undefined) {
      const b = `buildah --root ${quote(path.join(scratch, `buildah-${round}`, 'root'))} --runroot ${quote(path.join(scratch, `buildah-${round}`, 'run'))} --storage-driver overlay`;
      await runner.shell(`ctr=$(${b} from scratch) && ${b} add "$ctr" ${quote(busyboxTar)} / >/dev/null && ${b} commit -q "$ctr" busybox >/dev/null && ${b} rm "$ctr" >/dev/null`);
      const bud = `${b} bud --layers --isolation chroot -q -t bench ${quote(BUILD_FIXTURE)} 2>/dev/null`;
      const theirsCold = (await runner.shell(bud)).ms;
      const theirsCached = (await runner.shell(bud)).ms;
      await runner.shell(`${b} rmi -a -f >/dev/null 2>&1; ${b} rm -a >/dev/null 2>&1; true`);
      if (round > 0) {
        times.theirsCold.push(theirsCold);
        times.theirsCached.push(theirsCached);
      }
    }
  }
  const s = (list: number[]): Summary | undefined => (list.length === 0 ? undefined : summarize(list.map((ms) => ({ ms, maxRssBytes: undefined }))));
  const group = 'build: fixtures/dockerfiles/busybox-app (whole command, process start-up included)';
  return [
    { group, name: 'cold build', ours: s(times.oursCold), other: s(times.theirsCold), otherName: 'buildah bud --layers (overlay, chroot isolation)', note: missing },
    { group, name: 'cached build', ours: s(times.oursCached), other: s(times.theirsCached), otherName: 'buildah bud --layers (overlay, chroot isolation)', note: missing },
  ];
}

/**
 * `podman run --rm` of the same busybox tar (podman import), its store on the scratch dir, against
 * `layerctl run --rm`, taking turns. podman here needs `default_ulimits = []` in a containers.conf
 * (its default RLIMIT_NOFILE is refused) and runc: crun refuses this hybrid cgroup host.
 */
async function podmanRun(options: Options, scratch: string, busyboxTar: string, cgroupParent: string): Promise<Pair[]> {
  const group = 'start-up: busybox /bin/true, whole command';
  if (spawnSync('sh', ['-c', 'command -v podman'], { stdio: 'ignore' }).status !== 0) {
    return [{ group, name: 'layerctl run --rm', ours: undefined, other: undefined, otherName: 'podman run --rm', note: 'podman is not installed (apt-get install podman)' }, dockerPair()];
  }
  progress(`start-up: layerctl run --rm against podman run --rm (runc), ${options.runs * 2} runs after a warm-up`);
  const conf = path.join(scratch, 'containers.conf');
  fs.writeFileSync(conf, '[containers]\ndefault_ulimits = []\n');
  const podman = `CONTAINERS_CONF=${quote(conf)} podman --root ${quote(path.join(scratch, 'podman', 'root'))} --runroot ${quote(path.join(scratch, 'podman', 'run'))} --storage-driver overlay --cgroup-manager cgroupfs --events-backend none --runtime runc`;
  const root = path.join(scratch, 'layerctl-run');
  const layerctl = `${quote(process.execPath)} ${quote(LAYERCTL)} --root ${quote(root)}`;
  await runner.shell(`${podman} import -q ${quote(busyboxTar)} busybox >/dev/null`);
  await runner.shell(`${layerctl} import ${quote(busyboxTar)} busybox >/dev/null`);
  const ours: number[] = [];
  const theirs: number[] = [];
  try {
    for (let round = 0; round <= options.runs * 2; round++) {
      const a = (await runner.shell(`${layerctl} run --rm --cgroup-parent ${cgroupParent} busybox /bin/true`)).ms;
      const b = (await runner.shell(`${podman} run --rm --network=none busybox /bin/true`)).ms;
      if (round > 0) {
        ours.push(a);
        theirs.push(b);
      }
    }
  } finally {
    await runner.shell(`${podman} system reset -f >/dev/null 2>&1; true`);
  }
  const s = (list: number[]): Summary => summarize(list.map((ms) => ({ ms, maxRssBytes: undefined })));
  return [{ group, name: 'layerctl run --rm', ours: s(ours), other: s(theirs), otherName: 'podman run --rm (runc, overlay)', note: undefined }, dockerPair()];
}

/** docker: named, with why it is not measured. */
function dockerPair(): Pair {
  const dockerd = spawnSync('sh', ['-c', 'command -v dockerd'], { stdio: 'ignore' }).status === 0;
  return {
    group: 'start-up: busybox /bin/true, whole command',
    name: 'layerctl run --rm',
    ours: undefined,
    other: undefined,
    otherName: 'docker run --rm',
    note: dockerd ? 'dockerd is installed but this script does not start one' : 'no dockerd here (the docker on the PATH is a client only)',
  };
}

function ms(s: Summary | undefined): string {
  return s === undefined ? '-' : `${s.medianMs.toFixed(s.medianMs < 10 ? 2 : 0)} (${s.minMs.toFixed(s.minMs < 10 ? 2 : 0)}-${s.maxMs.toFixed(s.maxMs < 10 ? 2 : 0)})`;
}

function formatPairs(pairs: Pair[], runs: number): string {
  const lines = [
    `bench/compare, ${new Date().toISOString()}: ${os.availableParallelism()} CPUs, Linux ${os.release()}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    `times in ms: median (min-max); ratio = layerctl / other (medians): above 1.00x layerctl is BEHIND. ${runs} runs after a warm-up unless a group says otherwise.`,
  ];
  let group = '';
  for (const p of pairs) {
    if (p.group !== group) lines.push('', p.group);
    group = p.group;
    const ratio = p.ours !== undefined && p.other !== undefined ? p.ours.medianMs / p.other.medianMs : undefined;
    const verdict = ratio === undefined ? `not measured: ${p.note ?? 'no figure'}` : ratio > 1 ? `layerctl BEHIND (${ratio.toFixed(2)}x)` : `layerctl ahead or even (${ratio.toFixed(2)}x)`;
    lines.push(`  ${p.name.padEnd(42)} ${ms(p.ours).padEnd(24)} vs ${p.otherName}: ${ms(p.other).padEnd(24)} ${verdict}`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const options = parseOptions();
  const scratch = fs.mkdtempSync(path.join(options.dir, 'layerctl-bench-compare-'));
  const cgroupParent = `layerctl-bench-${crypto.randomBytes(6).toString('hex')}`;
  const stop = (): void => void runner.stopAll();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const busyboxTar = path.join(scratch, 'busybox.tar');
    await runner.shell(`${quote(MAKE_ROOTFS)} ${quote(busyboxTar)}`);
    const pairs: Pair[] = [];
    for (const group of [startUp, mountFloor, packUnpack]) pairs.push(...(await group(options, scratch)));
    pairs.push(...(await podmanRun(options, scratch, busyboxTar, cgroupParent)));
    pairs.push(...(await unpackImage(options, scratch, busyboxTar)));
    pairs.push(...(await build(options, scratch, busyboxTar, cgroupParent)));
    const text = formatPairs(pairs, options.runs);
    process.stdout.write(`${text}\n`);
    if (options.json !== undefined) fs.writeFileSync(options.json, `${JSON.stringify({ date: new Date().toISOString(), load: os.loadavg(), pairs }, null, 2)}\n`);
  } finally {
    await runner.stopAll();
    const cgroup = openCgroup(cgroupParent);
    cgroup?.killAll('SIGKILL');
    cgroup?.remove();
    // buildah's overlay storage mounts below the scratch dir; take down what is left before removing it.
    unmountUnder(scratch);
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
