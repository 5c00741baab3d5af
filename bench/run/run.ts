/**
 * bench/run: how long `layerctl run --rm IMAGE /bin/true` takes from spawn to exit, next to the
 * OCI runtimes and engines on the same image, in the same run (issue 6, "Proof"):
 *   node bench/run/run.ts [--runs 20] [--dir /dev/shm] [--json FILE]
 *
 * Variants, taking turns, each `--runs` times after one warm-up round; times are wall clock:
 * - layerctl: `layerctl run --rm --network none busybox /bin/true` (CLI start, the init and rw
 *   layers, mount, the executor, unmount, remove): the end-to-end number without a daemon.
 * - layerctl-daemon: the same command line through the C client while `layerctl daemon` runs with
 *   its default two workers; after each of its runs the bench waits until both workers wait in
 *   accept(2) again, so that no worker's warm-up overlaps another variant's run.
 * - executor: our executor alone (runContainer, in this process) on a prepared bundle.
 * - crun, runc: `crun|runc run --bundle B ID` on that same bundle.
 * - podman: `podman run --rm --network=none` of the same rootfs (see measureEngines), after
 *   the others (it has its own warm-up); docker only if its daemon answers, which it does not here.
 * The bundle is the executor's containerSpec (Docker's defaults, network none) over the busybox
 * rootfs extracted in the scratch dir. Everything lives in one scratch dir under --dir, removed
 * at the end, on error and on Ctrl-C; the bench's cgroups (layerctl-bench-<random>) go too.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { containerSpec, openCgroup, runContainer, writeBundle } from '@layerctl/executor';
import { errorCode, LayerctlError, UsageError } from '@layerctl/sys';

const CHECKOUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LAYERCTL = path.join(CHECKOUT, 'packages/layerctl/bin/layerctl.js');
const INSTALL_CLIENT = path.join(CHECKOUT, 'packages/layerctl/src/daemon/install-client.ts');
/** The bench's daemon keeps its socket, pid, log and rehearsal store in the scratch dir. */
const daemonEnv = (dir: string): NodeJS.ProcessEnv => ({ ...process.env, LAYERCTL_SOCKET: path.join(dir, 'daemon.sock') });
const DAEMON_READY_MS = 60_000;
const DAEMON_WORKERS = 2;
/** x86_64's accept4: what /proc/PID/syscall starts with while a worker waits for a command. */
const SYS_ACCEPT4 = '288';
const MAKE_ROOTFS = path.join(CHECKOUT, 'fixtures/busybox/make-rootfs.sh');
const IMAGE = 'busybox';
/** The same rootfs as podman's image, in podman's own storage under the scratch dir. */
const PODMAN_IMAGE = 'localhost/layerctl-bench-busybox';
const COMMAND = ['/bin/true'];
/** The runtime-spec version every runtime here takes; the spec has not changed in ways this bundle uses. */
const OLDEST_SPEC_VERSION = '1.0.2';
/**
 * crun refuses this host's hybrid cgroup layout ("cgroups in hybrid mode not supported", even
 * with --cgroup-manager=disabled), so it runs in a mount namespace of its own without the
 * cgroup2 mount: `unshare -m sh -c 'umount /sys/fs/cgroup/unified && exec crun ...'`. The
 * wrapper's own cost is measured apart (crun-wrap: the same line exec'ing /bin/true).
 */
const UNHYBRID = 'umount /sys/fs/cgroup/unified && exec "$0" "$@"';
function withoutCgroup2(command: string, args: readonly string[]): [string, string[]] {
  return ['unshare', ['--mount', '--propagation', 'private', 'sh', '-c', UNHYBRID, command, ...args]];
}
/** Figures the issue gives for engines on this kind of machine, for when they are not installed here. */
const REFERENCE_MS: Record<string, number> = { podman: 290, docker: 580, runc: 42, crun: 23 };
/** Issue 6's goals: end to end at most 0.35x podman's time; the executor alone within 2x crun. */
const GOAL_VS_PODMAN = 0.35;
const GOAL_EXECUTOR_VS_CRUN = 2;

interface Options {
  runs: number;
  baseDir: string;
  json: string | undefined;
}

function parseOptions(): Options {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' }, dir: { type: 'string', default: '/dev/shm' }, json: { type: 'string' } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs ${values.runs}: a whole number of at least 1`);
  return { runs, baseDir: values.dir, json: values.json };
}

/** One way of running the container once; resolves to its wall time in ms, or throws why it failed. */
interface Variant {
  name: string;
  once(round: number): Promise<number>;
}

interface Outcome {
  name: string;
  times: number[];
  failed: string | undefined;
  skipped: string | undefined;
}

/** Spawns a command with no stdio but stderr kept for the error; resolves its wall time. */
function timedSpawn(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve(ms);
      else reject(new LayerctlError(`${path.basename(command)} ${args.join(' ')}: exit ${code}: ${stderr.trim().split('\n')[0] ?? ''}`));
    });
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/** Waits until the bench's daemon has all its workers warm and waiting in accept(2). */
async function daemonIdle(dir: string): Promise<void> {
  const deadline = Date.now() + DAEMON_READY_MS;
  while (waitingWorkers(dir) < DAEMON_WORKERS) {
    if (Date.now() > deadline) throw new LayerctlError(`the bench's daemon had no ${DAEMON_WORKERS} warm workers within ${DAEMON_READY_MS / 1000} s; see ${path.join(dir, 'daemon.sock.log')}`);
    await sleep(20);
  }
}

function waitingWorkers(dir: string): number {
  const pid = fs.readFileSync(path.join(dir, 'daemon.sock.pid'), 'utf8').trim();
  const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  return children.filter((child) => currentSyscall(child) === SYS_ACCEPT4).length;
}

/** The number of the system call the process's main thread is blocked in, or undefined once it is gone. */
function currentSyscall(pid: string): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/syscall`, 'utf8').split(' ')[0];
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** The engine's reason to be skipped, or undefined when it can run here. */
function engineMissing(engine: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${engine}`], { encoding: 'utf8' });
  if (found.status !== 0) return 'not installed';
  const info = spawnSync(engine, ['info'], { encoding: 'utf8', timeout: 10_000 });
  if (info.status !== 0) return `installed but not usable: ${(info.stderr || info.stdout).trim().split('\n')[0] ?? ''}`;
  return undefined;
}

async function main(): Promise<void> {
  const options = parseOptions();
  const dir = fs.mkdtempSync(path.join(options.baseDir, 'layerctl-bench-run-'));
  const cgroupParent = `layerctl-bench-${crypto.randomBytes(4).toString('hex')}`;
  const root = path.join(dir, 'root');
  const cleanup = (): void => {
    spawnSync(process.execPath, [LAYERCTL, 'daemon', 'stop'], { stdio: 'ignore', env: daemonEnv(dir) });
    spawnSync(process.execPath, [LAYERCTL, '--root', root, 'gc'], { stdio: 'ignore' });
    const cgroup = openCgroup(cgroupParent);
    cgroup?.killAll('SIGKILL');
    cgroup?.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    const outcomes = await measure(options, dir, root, cgroupParent);
    const report = formatReport(outcomes, options.runs);
    process.stdout.write(report);
    if (options.json !== undefined) fs.writeFileSync(options.json, `${JSON.stringify({ date: new Date().toISOString(), load: os.loadavg(), outcomes }, null, 2)}\n`);
  } finally {
    cleanup();
  }
}

async function measure(options: Options, dir: string, root: string, cgroupParent: string): Promise<Outcome[]> {
  const tar = path.join(dir, 'busybox.tar');
  execFileSync(MAKE_ROOTFS, [tar]);
  execFileSync(process.execPath, [LAYERCTL, '--root', root, 'import', tar, IMAGE], { stdio: 'ignore' });
  const bundle = path.join(dir, 'bundle');
  const rootfs = path.join(bundle, 'rootfs');
  fs.mkdirSync(rootfs, { recursive: true });
  execFileSync('tar', ['-xf', tar, '-C', rootfs]);
  const client = path.join(dir, 'layerctl-client');
  execFileSync(process.execPath, [INSTALL_CLIENT, client, process.execPath]);
  execFileSync(process.execPath, [LAYERCTL, 'daemon', 'start', '--workers', String(DAEMON_WORKERS), '--cgroup-parent', cgroupParent], { stdio: 'ignore', env: daemonEnv(dir) });
  await daemonIdle(dir);
  // --network none, as podman's and docker's lines in the issue (run's default is a bridge network).
  const runArgs = ['--root', root, 'run', '--rm', '--network', 'none', '--cgroup-parent', cgroupParent, IMAGE, ...COMMAND];
  const variants: Variant[] = [
    { name: 'layerctl', once: () => timedSpawn(process.execPath, [LAYERCTL, ...runArgs]) },
    {
      name: 'layerctl-daemon',
      async once() {
        const ms = await timedSpawn(client, runArgs, daemonEnv(dir));
        await daemonIdle(dir);
        return ms;
      },
    },
    {
      name: 'executor',
      async once(round) {
        const id = `exec-${round}`;
        writeBundle(bundle, bundleSpec(rootfs, `${cgroupParent}/${id}`));
        const started = performance.now();
        const status = await runContainer({ id, bundle, stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' });
        const ms = performance.now() - started;
        if (status.code !== 0) throw new LayerctlError(`executor: exit ${status.code}`);
        return ms;
      },
    },
    ...['crun', 'runc'].map((runtime) => ({
      name: runtime,
      async once(round: number) {
        // crun 1.8 (Debian's) knows runtime-spec versions up to 1.1 and refuses 1.2.0 ("unknown version specified").
        writeBundle(bundle, { ...bundleSpec(rootfs, `/${cgroupParent}/${runtime}-${round}`), ociVersion: OLDEST_SPEC_VERSION });
        const args = ['run', '--bundle', bundle, `${runtime}-${process.pid}-${round}`];
        return runtime === 'crun' ? timedSpawn(...withoutCgroup2(runtime, args)) : timedSpawn(runtime, args);
      },
    })),
    { name: 'crun-wrap', once: () => timedSpawn(...withoutCgroup2('/bin/true', [])) },
  ];
  const outcomes = new Map<string, Outcome>(variants.map((v) => [v.name, { name: v.name, times: [], failed: undefined, skipped: undefined }]));
  for (let round = 0; round <= options.runs; round++) {
    for (const variant of variants) {
      const outcome = outcomes.get(variant.name);
      if (outcome === undefined || outcome.failed !== undefined) continue;
      try {
        const ms = await variant.once(round);
        // Round 0 warms up (page cache, the compile cache, the image's unpack).
        if (round > 0) outcome.times.push(ms);
      } catch (err) {
        outcome.failed = err instanceof Error ? err.message : String(err);
      }
    }
  }
  return [...outcomes.values(), ...(await measureEngines(options, dir, tar))];
}

/**
 * podman with storage, run state and config of its own under the scratch dir (so nothing of the
 * host's podman is touched): the busybox tarball imported, then `run --rm --network=none`, with
 * runc (its default, crun, refuses this host's hybrid cgroups) and `default_ulimits` emptied
 * (root here cannot raise RLIMIT_NOFILE to podman's default). docker is measured only when its
 * daemon answers; this bench does not start one.
 */
async function measureEngines(options: Options, dir: string, tar: string): Promise<Outcome[]> {
  const podman: Outcome = { name: 'podman', times: [], failed: undefined, skipped: engineMissing('podman') };
  const docker: Outcome = { name: 'docker', times: [], failed: undefined, skipped: engineMissing('docker') };
  if (docker.skipped === undefined) docker.skipped = 'a daemon answers, but this bench drives only an engine it can isolate (podman)';
  if (podman.skipped !== undefined) return [podman, docker];
  const home = path.join(dir, 'podman');
  fs.mkdirSync(home);
  const conf = path.join(home, 'containers.conf');
  fs.writeFileSync(conf, '[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "none"\n');
  process.env['CONTAINERS_CONF'] = conf;
  const base = ['--root', path.join(home, 'root'), '--runroot', path.join(home, 'run'), '--storage-driver', 'overlay', '--runtime', 'runc'];
  try {
    execFileSync('podman', [...base, 'import', tar, PODMAN_IMAGE], { stdio: 'ignore' });
    for (let round = 0; round <= options.runs; round++) {
      const ms = await timedSpawn('podman', [...base, 'run', '--rm', '--network=none', PODMAN_IMAGE, ...COMMAND]);
      if (round > 0) podman.times.push(ms);
    }
  } catch (err) {
    podman.failed = err instanceof Error ? err.message : String(err);
  } finally {
    spawnSync('podman', [...base, 'system', 'reset', '--force'], { stdio: 'ignore' });
  }
  return [podman, docker];
}

function bundleSpec(rootfs: string, cgroupsPath: string) {
  return containerSpec({
    rootfs,
    args: COMMAND,
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    cwd: '/',
    user: { uid: 0, gid: 0, additionalGids: [] },
    hostname: 'bench',
    terminal: false,
    network: 'none',
    mounts: [],
    cgroupsPath,
  });
}

function formatReport(outcomes: readonly Outcome[], runs: number): string {
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const cpus = os.cpus();
  const lines = [
    `machine: ${cpus.length} CPUs (${cpus[0]?.model ?? '?'}), Linux ${os.release()}, Node ${process.versions.node}; load average at end: ${load}`,
    `\`run --rm busybox /bin/true\`, wall time, median (min-max) of ${runs} runs after a warm-up, variants taking turns`,
    '',
  ];
  const medians = new Map<string, number>();
  for (const outcome of outcomes) {
    if (outcome.skipped !== undefined) {
      lines.push(`${outcome.name.padEnd(15)} skipped: ${outcome.skipped} (the issue's figure on this kind of machine: ${REFERENCE_MS[outcome.name]} ms)`);
    } else if (outcome.failed !== undefined) {
      lines.push(`${outcome.name.padEnd(15)} failed: ${outcome.failed}`);
    } else {
      const m = median(outcome.times);
      medians.set(outcome.name, m);
      lines.push(`${outcome.name.padEnd(15)} ${m.toFixed(1)} ms (${Math.min(...outcome.times).toFixed(1)}-${Math.max(...outcome.times).toFixed(1)})`);
    }
  }
  lines.push('', 'ratios (median / median):');
  const ratio = (a: string, b: string, goal?: string): void => {
    const x = medians.get(a);
    const y = medians.get(b) ?? REFERENCE_MS[b];
    if (x === undefined || y === undefined) return;
    const measured = medians.has(b) ? '' : ` (${b}: the issue's reference ${y} ms, not measured here)`;
    lines.push(`  ${a} / ${b}: ${(x / y).toFixed(2)}x${measured}${goal === undefined ? '' : `; goal ${goal}`}`);
  };
  ratio('layerctl', 'crun');
  ratio('layerctl', 'runc');
  ratio('layerctl', 'podman', `<= ${GOAL_VS_PODMAN}x`);
  ratio('layerctl', 'docker');
  ratio('layerctl-daemon', 'crun');
  ratio('layerctl-daemon', 'runc');
  ratio('layerctl-daemon', 'podman', `<= ${GOAL_VS_PODMAN}x`);
  ratio('layerctl-daemon', 'docker');
  ratio('executor', 'crun', `<= ${GOAL_EXECUTOR_VS_CRUN}x`);
  ratio('executor', 'runc');
  return `${lines.join('\n')}\n`;
}

await main();
