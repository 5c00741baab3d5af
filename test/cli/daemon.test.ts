import { execFileSync, spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { openCgroup } from '@layerctl/executor';
import { errorCode, listenUnix } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { busyboxTarForFile } from './busybox-tar.ts';
import { eventually, processesWhose } from './containers-scratch.ts';
import { CHECKOUT, runLayerctl, type LayerctlResult } from './run-layerctl.ts';
import { must, snapshotScratch } from './snapshot-scratch.ts';

const busyboxTar = busyboxTarForFile(test);
const INSTALL_CLIENT = path.join(CHECKOUT, 'packages/layerctl/src/daemon/install-client.ts');

interface ClientOptions {
  stdinFile?: string;
  cwd?: string;
  env?: Record<string, string>;
  /** A shell prefix run before the client, such as `umask 077;`. */
  shell?: string;
}

/**
 * A daemon of the test's own: its socket, pid file, log and rehearsal store in a scratch dir, its
 * rehearsal containers and every container the test runs under a cgroup parent of the test's
 * (run's default parent, layerctl, is the product's: a test must not make it), and the C client built into the dir.
 * Teardown stops it (SIGTERM, then SIGKILL of anything left), removes the cgroup parent, and
 * snapshotScratch unmounts and removes the dir.
 */
async function daemonScratch(t: ExecutionContext) {
  const scratch = snapshotScratch(t);
  const socket = path.join(scratch.dir, 'daemon.sock');
  const cgroupParent = `layerctl-test-${crypto.randomBytes(6).toString('hex')}`;
  const env = { LAYERCTL_SOCKET: socket };
  const client = path.join(scratch.dir, 'layerctl');
  execFileSync(process.execPath, [INSTALL_CLIENT, client, process.execPath]);
  t.teardown(async () => {
    const pid = daemonPid(socket);
    if (pid !== undefined && (await runLayerctl(['daemon', 'stop'], { env })).code !== 0 && isAlive(pid)) process.kill(pid, 'SIGKILL');
    // Workers name their rehearsal store, beside the socket; the daemon has it in its environment only.
    for (const leftover of processesNaming(socket)) process.kill(leftover, 'SIGKILL');
    await eventually(() => processesNaming(socket).length === 0, 5000);
    const cgroup = openCgroup(cgroupParent);
    if (cgroup !== undefined) {
      cgroup.killAll('SIGKILL');
      cgroup.remove();
    }
  });
  const started = await runLayerctl(['daemon', 'start', '--cgroup-parent', cgroupParent], { env });
  t.is(started.code, 0, started.stderr);
  const viaClient = (args: readonly string[], options: ClientOptions = {}): Promise<LayerctlResult> =>
    runClient(client, args, { ...options, env: { ...env, ...options.env } });
  // A client finding no worker free runs the command itself: tests of the daemon's path wait for one first.
  const workerWaits = async (): Promise<void> => {
    const answered = await eventually(async () => (await runLayerctl(['daemon', 'status'], { env })).code === 0, 30_000);
    t.true(answered, 'a worker of the daemon answers');
  };
  return { ...scratch, socket, env, client, cgroupParent, viaClient, workerWaits };
}

function daemonPid(socket: string): number | undefined {
  const file = `${socket}.pid`;
  return fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8')) : undefined;
}

/** Whether `pid` is a process that has not ended (a zombie has ended). */
function isAlive(pid: number): boolean {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false; // reaped
    throw error;
  }
  return !/^\d+ \(.*\) Z /.test(stat);
}

/** The daemon and its workers: every process whose command line mentions the socket. */
function processesNaming(socket: string): number[] {
  return processesWhose((args) => args.some((arg) => arg.includes(socket)));
}

/** The daemon's children right now: the workers waiting and those running a command. */
function workersOf(socket: string): number[] {
  const pid = daemonPid(socket);
  if (pid === undefined) return [];
  return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

function runClient(client: string, args: readonly string[], options: ClientOptions): Promise<LayerctlResult> {
  return new Promise((resolve, reject) => {
    const stdin = options.stdinFile === undefined ? 'ignore' : fs.openSync(options.stdinFile, 'r');
    const quoted = [client, ...args].map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ');
    const child = spawn('sh', ['-c', `${options.shell ?? ''} exec ${quoted}`], {
      stdio: [stdin, 'pipe', 'pipe'],
      cwd: options.cwd,
      env: { ...process.env, FORCE_COLOR: '0', ...options.env },
    });
    if (typeof stdin === 'number') fs.closeSync(stdin);
    let out = '';
    let err = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal === null ? null : 128), stdout: out, stderr: err }));
  });
}

test('a command through the daemon prints, fails and exits as the same command without it, in a worker', async (t) => {
  const { root, viaClient, socket, layerctl, workerWaits } = await daemonScratch(t);
  await must(t, layerctl, ['import', busyboxTar(), 'busybox']);
  await workerWaits();
  const workers = workersOf(socket);
  t.true(workers.length >= 1, 'the daemon keeps warm workers');

  // JSON, not the table: its CREATED column ("1 second ago") moves between the two runs.
  const images = await viaClient(['--root', root, 'images', '--json']);
  t.is(images.code, 0, images.stderr);
  t.is(images.stdout, (await layerctl(['images', '--json'])).stdout);
  // The worker reports the status from its 'exit' handler; it is gone a moment later.
  t.true(await eventually(() => workers.some((pid) => !workersOf(socket).includes(pid)), 10_000), 'a worker took the command and ended');

  await workerWaits();
  const missing = await viaClient(['--root', root, 'inspect', 'no-such-image']);
  const direct = await layerctl(['inspect', 'no-such-image']);
  t.is(missing.code, direct.code);
  t.not(missing.code, 0);
  t.is(missing.stderr, direct.stderr);

  const version = await viaClient(['--version']);
  t.is(version.stdout, (await runLayerctl(['--version'])).stdout);
  const status = await viaClient(['daemon', 'status']);
  t.is(status.code, 0, status.stderr);
  t.regex(status.stdout, /answers on /);
});

test("stdin, the working directory, the umask and the environment are the client's", async (t) => {
  const { dir, root, viaClient, workerWaits, cgroupParent } = await daemonScratch(t);
  const imported = await viaClient(['--root', root, 'import', '-', 'piped'], { stdinFile: busyboxTar() });
  t.is(imported.code, 0, imported.stderr);

  await workerWaits();
  const saved = await viaClient(['--root', root, 'save', 'piped', '-o', 'saved.tar'], { cwd: dir, shell: 'umask 077;' });
  t.is(saved.code, 0, saved.stderr);
  t.is(fs.statSync(path.join(dir, 'saved.tar')).mode & 0o777, 0o600);

  await workerWaits();
  const echoed = await viaClient(['--root', root, 'run', '--rm', '--network', 'none', '--cgroup-parent', cgroupParent, '-e', 'GREETING', 'piped', 'sh', '-c', 'echo "$GREETING"; exit 7'], {
    env: { GREETING: 'from the client' },
  });
  t.is(echoed.code, 7, echoed.stderr);
  t.is(echoed.stdout, 'from the client\n');
});

test('a signal to the client reaches the container, whose status the client ends with', async (t) => {
  const { root, viaClient, client, env, workerWaits, cgroupParent } = await daemonScratch(t);
  await viaClient(['--root', root, 'import', busyboxTar(), 'busybox']);
  await workerWaits();
  const running = spawn(client, ['--root', root, 'run', '--rm', '--network', 'none', '--cgroup-parent', cgroupParent, 'busybox', 'sh', '-c', 'trap "exit 9" TERM; echo ready; sleep 30 & wait'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => running.kill('SIGKILL'));
  await new Promise<void>((resolve) => running.stdout.once('data', () => resolve()));
  const started = Date.now();
  running.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => running.once('close', (status) => resolve(status)));
  t.is(code, 9);
  t.true(Date.now() - started < 10_000);
});

test('a stale worker or no daemon at all: the client runs the command with Node itself', async (t) => {
  const { root, viaClient, socket, env } = await daemonScratch(t);
  // A client of another protocol version stands for any disagreement: the worker answers "stale".
  const built = execFileSync(process.execPath, ['--input-type=module', '-e', `
    import { clientBinary } from ${JSON.stringify(path.join(CHECKOUT, 'packages/layerctl/src/daemon/client-binary.ts'))};
    process.stdout.write(clientBinary({ node: process.execPath, protocolVersion: 999 }));`], { encoding: 'utf8' });
  const stale = await runClient(built, ['--root', root, 'images', '--json'], { env });
  t.is(stale.code, 0, stale.stderr);
  t.is(stale.stdout, '[]\n');

  const again = await runLayerctl(['daemon', 'start'], { env });
  t.not(again.code, 0);
  t.regex(again.stderr, /already answers there/);

  const stopped = await runLayerctl(['daemon', 'stop'], { env });
  t.is(stopped.code, 0, stopped.stderr);
  t.false(fs.existsSync(socket));
  t.false(fs.existsSync(`${socket}.pid`));
  t.true(await eventually(() => processesNaming(socket).length === 0, 5000), 'no worker outlives a stop');
  const direct = await viaClient(['--root', root, 'images', '--json']);
  t.is(direct.code, 0, direct.stderr);
  t.is(direct.stdout, '[]\n');
  const status = await viaClient(['daemon', 'status']);
  t.is(status.code, 1);
});

test('a daemon killed outright takes its waiting workers with it, and the client then runs Node itself', async (t) => {
  const { root, viaClient, socket } = await daemonScratch(t);
  const workers = workersOf(socket);
  t.true(workers.length >= 1);
  process.kill(daemonPid(socket) ?? 0, 'SIGKILL');
  t.true(await eventually(() => !workers.some(isAlive), 15_000), 'the waiting workers ended');
  const direct = await viaClient(['--root', root, 'images', '--json']);
  t.is(direct.code, 0, direct.stderr);
  t.is(direct.stdout, '[]\n');
});

test('a client in a mount namespace of its own has its command run there, not in the daemon', async (t) => {
  const { dir, client, env, socket, workerWaits } = await daemonScratch(t);
  await workerWaits();
  const place = path.join(dir, 'private');
  fs.mkdirSync(place);
  const workers = workersOf(socket);
  // The tmpfs exists only in the new namespace; a root made there must not appear on the host's side.
  const script = `mount -t tmpfs private "$0" && "$1" --root "$0/root" images --json && test -d "$0/root"`;
  const result = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, place, client], { env: { ...process.env, ...env }, encoding: 'utf8' });
  t.is(result.status, 0, result.stderr);
  t.is(result.stdout, '[]\n');
  t.false(fs.existsSync(path.join(place, 'root')));
  const now = workersOf(socket);
  t.true(workers.every((pid) => now.includes(pid)), 'no worker took the command');
});

test('a client with fewer capabilities than the daemon has its command run with its own', async (t) => {
  const { root, client, env, socket, workerWaits } = await daemonScratch(t);
  await workerWaits();
  const workers = workersOf(socket);
  // A worker has the daemon's capabilities: a command from a client that dropped one must not run there.
  const result = spawnSync('setpriv', ['--bounding-set=-sys_admin', '--inh-caps=-sys_admin', client, '--root', root, 'images', '--json'], { env: { ...process.env, ...env }, encoding: 'utf8' });
  t.is(result.status, 0, result.stderr);
  const now = workersOf(socket);
  t.true(workers.every((pid) => now.includes(pid)), 'no worker took the command');
});

test('a daemon socket where no worker answers does not hold the client: it runs the command itself', async (t) => {
  const dir = scratchDir(t);
  const socket = path.join(dir, 'silent.sock');
  const client = path.join(dir, 'layerctl');
  execFileSync(process.execPath, [INSTALL_CLIENT, client, process.execPath]);
  // Listening, so connect(2) succeeds, but nothing ever accepts: every worker busy or still warming up.
  const listening = listenUnix(socket, 4);
  t.teardown(() => fs.closeSync(listening));
  const result = await runClient(client, ['--root', path.join(dir, 'root'), 'images', '--json'], { env: { LAYERCTL_SOCKET: socket } });
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, '[]\n');
});
