/**
 * bench/build: a cold build and a fully cached rebuild of each fixture in fixtures/dockerfiles,
 * by the real command line (`layerctl build`, Node start-up included), each the median of
 * several runs (issue 8, "Proof"):
 *   node bench/build/run.ts [--runs 5] [--dir /dev/shm] [--json FILE] [--fixture NAME]...
 *
 * - cold: a fresh root with busybox imported (not timed), then `layerctl build -t bench CONTEXT`.
 * - cached: the same build again on that root: every step hits the cache.
 * - startup: `layerctl --version`, the floor of any command here.
 * - buildah, when installed: `buildah build --layers` on the same Dockerfile and context, FROM the
 *   same busybox (saved by layerctl as an OCI archive and pulled into a fresh buildah root per
 *   run, not timed), overlay storage, OCI isolation through runc (crun refuses this host's hybrid
 *   cgroups); cold and cached as ours. Each run does ours and then buildah's, so a change in the
 *   machine's load falls on both alike; the load average before and after each fixture is reported.
 * Docker (BuildKit and the legacy builder) needs a daemon; without one the report says so. The
 * issue's figures for this kind of machine are printed too, marked as not measured here. The
 * stores and the page cache are on the same tmpfs for every variant. Everything lives in one
 * scratch dir under --dir, unmounted and removed at the end, on error and on Ctrl-C; the RUN
 * steps' cgroups (layerctl-bench-<random>) go too.
 */
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openCgroup } from '@layerctl/executor';
import { LayerctlError, UsageError } from '@layerctl/sys';
import { unmountUnder } from '../snapshots/scratch-mounts.ts';

const CHECKOUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LAYERCTL = path.join(CHECKOUT, 'packages/layerctl/bin/layerctl.js');
const MAKE_ROOTFS = path.join(CHECKOUT, 'fixtures/busybox/make-rootfs.sh');
const FIXTURES = path.join(CHECKOUT, 'fixtures/dockerfiles');

/** The issue's figures for a small busybox build on this kind of machine (ms): not measured here. */
const PEER_FIGURES: Record<string, { cold: number; cached: number }> = {
  buildah: { cold: 1200, cached: 340 },
  'docker (BuildKit)': { cold: 750, cached: 400 },
  'docker (legacy builder)': { cold: 1500, cached: 145 },
};

/** The goal: cold at most this share of the fastest peer's cold build; cached no slower than the fastest peer's. */
const COLD_GOAL_RATIO = 0.8;

interface Summary {
  medianMs: number;
  minMs: number;
  maxMs: number;
}

interface FixtureResult {
  fixture: string;
  cold: Summary;
  cached: Summary;
  /** The same fixture under buildah, when it is installed. */
  buildah?: { cold: Summary; cached: Summary };
  /** /proc/loadavg's 1-minute figure before and after the fixture's runs: other work on the machine. */
  load: [number, number];
}

/** Cold and cached times of one builder over the runs. */
interface Samples {
  cold: number[];
  cached: number[];
}

const abort = new AbortController();

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '5' }, dir: { type: 'string', default: '/dev/shm' }, json: { type: 'string' }, fixture: { type: 'string', multiple: true } },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs ${values.runs}: give a whole number of runs, at least 1`);
  const fixtures = chosenFixtures(values.fixture);
  const scratch = fs.mkdtempSync(path.join(values.dir, 'layerctl-bench-build-'));
  const cgroupParent = `layerctl-bench-${crypto.randomBytes(6).toString('hex')}`;
  const stop = (): void => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const busybox = path.join(scratch, 'busybox.tar');
    await command(MAKE_ROOTFS, [busybox]);
    const peers = installedPeers();
    const busyboxOci = peers['buildah'] === 'not installed' ? undefined : await ociArchiveOf(scratch, busybox);
    const startup = summarize(await repeat(runs, () => timed(process.execPath, [LAYERCTL, '--version'])));
    const results: FixtureResult[] = [];
    for (const fixture of fixtures) {
      const ours: Samples = { cold: [], cached: [] };
      const theirs: Samples = { cold: [], cached: [] };
      const loadBefore = loadAverage();
      for (let run = 0; run < runs; run++) {
        await layerctlRun(scratch, busybox, fixture, run, cgroupParent, ours);
        if (busyboxOci !== undefined) await buildahRun(scratch, busyboxOci, fixture, run, theirs);
      }
      const result: FixtureResult = { fixture, cold: summarize(ours.cold), cached: summarize(ours.cached), load: [loadBefore, loadAverage()] };
      if (busyboxOci !== undefined) result.buildah = { cold: summarize(theirs.cold), cached: summarize(theirs.cached) };
      results.push(result);
    }
    report(results, startup, peers, runs);
    if (values.json !== undefined) fs.writeFileSync(values.json, `${JSON.stringify({ runs, startup, results, peers }, null, 2)}\n`);
  } finally {
    unmountUnder(scratch);
    fs.rmSync(scratch, { recursive: true, force: true });
    const cgroup = openCgroup(cgroupParent);
    cgroup?.killAll('SIGKILL');
    cgroup?.remove();
  }
}

/** The fixtures named by --fixture (each must exist), or all of them. */
function chosenFixtures(named: string[] | undefined): string[] {
  const all = fs.readdirSync(FIXTURES).sort();
  for (const name of named ?? []) if (!all.includes(name)) throw new UsageError(`--fixture ${name}: not in ${FIXTURES} (there: ${all.join(', ')})`);
  return named ?? all;
}

/** The 1-minute load average: how busy the machine was around a measurement. */
function loadAverage(): number {
  return Number(fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

/** One cold build on a fresh root with busybox imported (not timed), then the same build again, fully cached. */
async function layerctlRun(scratch: string, busybox: string, fixture: string, run: number, cgroupParent: string, samples: Samples): Promise<void> {
  const context = path.join(FIXTURES, fixture);
  const root = path.join(scratch, `${fixture}-${run}`);
  await command(process.execPath, [LAYERCTL, '--root', root, 'import', busybox, 'busybox']);
  const build = ['--root', root, 'build', '--progress', 'plain', '--cgroup-parent', cgroupParent, '-t', 'bench', context];
  samples.cold.push(await timed(process.execPath, [LAYERCTL, ...build]));
  samples.cached.push(await timed(process.execPath, [LAYERCTL, ...build]));
  fs.rmSync(root, { recursive: true, force: true });
}

/** busybox as an OCI archive, for buildah to pull: the same base layer our builds start from. */
async function ociArchiveOf(scratch: string, busybox: string): Promise<string> {
  const root = path.join(scratch, 'export-root');
  const archive = path.join(scratch, 'busybox-oci.tar');
  await command(process.execPath, [LAYERCTL, '--root', root, 'import', busybox, 'busybox']);
  await command(process.execPath, [LAYERCTL, '--root', root, 'save', 'busybox', '--format', 'oci', '-o', archive]);
  fs.rmSync(root, { recursive: true, force: true });
  return archive;
}

/** runc: crun refuses this host's hybrid cgroup layout. */
const BUILDAH_RUNTIME = 'runc';

async function buildahRun(scratch: string, busyboxOci: string, fixture: string, run: number, samples: Samples): Promise<void> {
  const context = path.join(FIXTURES, fixture);
  const runtime = spawnSync('which', [BUILDAH_RUNTIME], { encoding: 'utf8' }).stdout.trim();
  const dir = path.join(scratch, `buildah-${fixture}-${run}`);
  const global = ['--root', path.join(dir, 'root'), '--runroot', path.join(dir, 'run'), '--storage-driver', 'overlay'];
  await command('buildah', [...global, 'pull', '--quiet', `oci-archive:${busyboxOci}`]);
  await command('buildah', [...global, 'tag', 'docker.io/library/busybox:latest', 'busybox']);
  const build = [...global, 'build', '--quiet', '--layers', '--isolation', 'oci', '--runtime', runtime, '-t', 'bench', context];
  samples.cold.push(await timed('buildah', build));
  samples.cached.push(await timed('buildah', build));
  await command('buildah', [...global, 'rmi', '--all', '--force']);
  unmountUnder(dir);
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Which peers could run here; each that cannot is named with why (none is driven by this bench yet). */
function installedPeers(): Record<string, string> {
  const found: Record<string, string> = {};
  for (const tool of ['buildah', 'docker']) {
    const which = spawnSync('which', [tool], { encoding: 'utf8' });
    found[tool] = which.status === 0 ? which.stdout.trim() : 'not installed';
  }
  // A docker client without a daemon cannot build: say so rather than "found".
  if (found['docker'] !== 'not installed' && spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 5000 }).status !== 0) {
    found['docker'] = `${found['docker']} is only a client: no Docker daemon answers here`;
  }
  return found;
}

function report(results: FixtureResult[], startup: Summary, peers: Record<string, string>, runs: number): void {
  const ms = (value: number): string => `${value.toFixed(0)} ms`;
  const lines = [`bench/build: median of ${runs} runs, wall clock of the whole command (Node start-up included)`, ''];
  lines.push(`layerctl --version (start-up floor): ${ms(startup.medianMs)}`, '');
  const row = (name: string, cold: Summary, cached: Summary): string =>
    `${name.padEnd(24)} ${`${ms(cold.medianMs)} (${ms(cold.minMs)}-${ms(cold.maxMs)})`.padEnd(29)} ${`${ms(cached.medianMs)} (${ms(cached.minMs)}-${ms(cached.maxMs)})`.padEnd(28)} ${(cached.medianMs / cold.medianMs).toFixed(2)}x`;
  lines.push(`${'fixture'.padEnd(24)} ${'cold (min-max)'.padEnd(29)} ${'cached (min-max)'.padEnd(28)} cached/cold`);
  for (const { fixture, cold, cached, buildah, load } of results) {
    lines.push(row(`${fixture} layerctl`, cold, cached));
    const loadLine = `${''.padEnd(24)} load average ${load[0].toFixed(2)} before, ${load[1].toFixed(2)} after`;
    if (buildah === undefined) {
      lines.push(loadLine);
      continue;
    }
    lines.push(row(`${fixture} buildah`, buildah.cold, buildah.cached));
    lines.push(`${''.padEnd(24)} layerctl/buildah: cold ${(cold.medianMs / buildah.cold.medianMs).toFixed(2)}x, cached ${(cached.medianMs / buildah.cached.medianMs).toFixed(2)}x`);
    lines.push(loadLine);
  }
  lines.push('', 'peers:');
  for (const [tool, where] of Object.entries(peers)) lines.push(`  ${tool}: ${where}${tool === 'buildah' && where !== 'not installed' ? ' (measured above)' : ' (not measured in this run)'}`);
  const fastestCold = Math.min(...Object.values(PEER_FIGURES).map((figure) => figure.cold));
  const fastestCached = Math.min(...Object.values(PEER_FIGURES).map((figure) => figure.cached));
  lines.push('', "the issue's figures for a small busybox build on this kind of machine (NOT measured here):");
  for (const [peer, figure] of Object.entries(PEER_FIGURES)) lines.push(`  ${peer.padEnd(24)} cold ${ms(figure.cold)}, cached ${ms(figure.cached)}`);
  const app = results.find((result) => result.fixture === 'busybox-app');
  if (app !== undefined) {
    const coldRatio = app.cold.medianMs / fastestCold;
    const cachedRatio = app.cached.medianMs / fastestCached;
    lines.push(
      '',
      `busybox-app against those figures: cold ${coldRatio.toFixed(2)}x the fastest peer's (goal <= ${COLD_GOAL_RATIO}x: ${coldRatio <= COLD_GOAL_RATIO ? 'met' : 'not met'}), cached ${cachedRatio.toFixed(2)}x (goal <= 1.00x: ${cachedRatio <= 1 ? 'met' : 'not met'})`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function repeat(runs: number, once: () => Promise<number>): Promise<number[]> {
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) samples.push(await once());
  return samples;
}

function summarize(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return { medianMs: median, minMs: sorted[0] ?? 0, maxMs: sorted.at(-1) ?? 0 };
}

async function timed(file: string, args: string[]): Promise<number> {
  const started = performance.now();
  await command(file, args);
  return performance.now() - started;
}

/** Runs a command to its end; a failure names the command and its stderr. Ctrl-C stops it. */
function command(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    abort.signal.throwIfAborted();
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'], signal: abort.signal });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new LayerctlError(`${path.basename(file)} ${args.join(' ')}: exit ${code}: ${stderr.trim()}`))));
  });
}

await main();
