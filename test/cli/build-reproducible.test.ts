import { execFile, spawn, spawnSync } from 'node:child_process';
import { Overlay2Driver } from '@layerctl/drivers-overlay2';
import { TMP_DIR, UNPACKING_PID_LABEL, openRoot, openSnapshotter } from '@layerctl/snapshotter';
import path from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { busyboxTarForFile } from './busybox-tar.ts';
import { buildScratch, parseEvents, writtenDiffIds } from './build-scratch.ts';
import { parseJson, records } from './json-output.ts';
import { LAYERCTL_BIN, runLayerctl } from './run-layerctl.ts';
import { mountsUnder, must } from './snapshot-scratch.ts';

const busyboxTar = busyboxTarForFile(test);

const EPOCH = '1700000000';
const EPOCH_ISO = '2023-11-14T22:13:20.000Z';

test('under SOURCE_DATE_EPOCH a --no-cache rebuild gives the same DiffIDs and the same image id', async (t) => {
  const { build, fixture, config } = await buildScratch(t, busyboxTar());
  const dir = fixture('busybox-app');
  const first = await build(['-t', 'app', '--build-arg', `SOURCE_DATE_EPOCH=${EPOCH}`, dir]);
  t.is(first.code, 0, first.stderr);
  const again = await build(['-t', 'app', '--no-cache', '--build-arg', `SOURCE_DATE_EPOCH=${EPOCH}`, dir]);
  t.is(again.code, 0, again.stderr);
  t.deepEqual(writtenDiffIds(again.events), writtenDiffIds(first.events));
  t.is(writtenDiffIds(first.events).length, 3);
  t.is(again.imageId, first.imageId);
  const image = config(first.imageId);
  t.is(image['created'], EPOCH_ISO);
  t.deepEqual([...new Set(records(image['history']).slice(1).map((entry) => entry['created']))], [EPOCH_ISO]);
});

test('SOURCE_DATE_EPOCH from the environment works as the build argument does', async (t) => {
  const { build, fixture } = await buildScratch(t, busyboxTar());
  const dir = fixture('multi-stage');
  const byArg = await build(['-t', 'a', '--build-arg', `SOURCE_DATE_EPOCH=${EPOCH}`, dir]);
  const byEnv = await build(['-t', 'b', '--no-cache', dir], { env: { SOURCE_DATE_EPOCH: EPOCH } });
  t.is(byArg.code, 0, byArg.stderr);
  t.is(byEnv.code, 0, byEnv.stderr);
  t.is(byEnv.imageId, byArg.imageId);
});

test('without SOURCE_DATE_EPOCH a --no-cache rebuild gives a new image id (times differ), the cached one the same', async (t) => {
  const { build, fixture } = await buildScratch(t, busyboxTar());
  const dir = fixture('multi-stage');
  const first = await build(['-t', 'a', dir]);
  const cached = await build(['-t', 'a', dir]);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const fresh = await build(['-t', 'a', '--no-cache', dir]);
  t.is(cached.imageId, first.imageId);
  t.not(fresh.imageId, first.imageId);
});

test('--output writes OCI and Docker archives that skopeo reads, with the built DiffIDs', async (t) => {
  const { build, fixture, dir: scratch } = await buildScratch(t, busyboxTar());
  const oci = path.join(scratch, 'app-oci.tar');
  const docker = path.join(scratch, 'app-docker.tar');
  const dir = fixture('busybox-app');
  const built = await build(['-t', 'app', '--output', `type=oci,dest=${oci}`, dir]);
  t.is(built.code, 0, built.stderr);
  t.is((await build(['-t', 'app', '--output', `type=docker,dest=${docker}`, dir])).code, 0);
  for (const source of [`oci-archive:${oci}`, `docker-archive:${docker}`]) {
    const { stdout } = await promisify(execFile)('skopeo', ['inspect', '--config', source]);
    const parsed = parseJson(stdout);
    const diffIds = typeof parsed === 'object' && parsed !== null && 'rootfs' in parsed ? (parsed.rootfs as { diff_ids: unknown[] }).diff_ids : [];
    t.is(diffIds.length, 4, source);
    t.deepEqual(diffIds.slice(1), writtenDiffIds(built.events), source);
  }
});

test('Ctrl-C during a RUN stops the build: nothing stays mounted, no snapshot is left, no image is recorded', async (t) => {
  const { context, root, dir: scratch, layerctl, cgroupParent } = await buildScratch(t, busyboxTar());
  const dir = context('slow', { Dockerfile: 'FROM busybox\nRUN echo started && sleep 60\n' });
  const child = spawn(process.execPath, [LAYERCTL_BIN, '--root', root, 'build', '--progress', 'json', '--cgroup-parent', cgroupParent, '-t', 'slow', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  await new Promise<void>((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.includes('"line":"started"')) resolve();
    });
    child.on('close', () => reject(new Error(`the build ended before its RUN started: ${stderr}`)));
  });
  const interrupted = Date.now();
  child.kill('SIGINT');
  const code = await exited;
  t.true(Date.now() - interrupted < 10_000, 'the build stopped promptly, not after the sleep');
  t.is(code, 1);
  t.regex(stderr, /layerctl: build cancelled/);
  t.deepEqual(mountsUnder(scratch), []);
  const snapshots = records(parseJson(await must(t, layerctl, ['snapshot', 'ls', '--json'])));
  t.deepEqual(snapshots.filter((s) => s['kind'] !== 'committed'), []);
  t.is((await layerctl(['inspect', 'slow'])).code, 1);
});

for (const driver of ['devmapper', 'aufs']) {
  test(`the same Dockerfile gives the same DiffIDs on overlay2 and ${driver} under SOURCE_DATE_EPOCH, a RUN that copies a file up without changing it included`, async (t) => {
    const overlay = await buildScratch(t, busyboxTar());
    // busybox-app's RUN chmods app.sh to the mode it has: overlayfs copies it up, other drivers may see no change.
    const dir = overlay.fixture('busybox-app');
    const onOverlay = await overlay.build(['-t', 'app', '--build-arg', `SOURCE_DATE_EPOCH=${EPOCH}`, dir]);
    t.is(onOverlay.code, 0, onOverlay.stderr);
    const otherRoot = path.join(overlay.dir, `${driver}-root`);
    const other = (args: string[]) => runLayerctl(['--root', otherRoot, '--driver', driver, ...args]);
    t.is((await other(['import', busyboxTar(), 'busybox'])).code, 0);
    const onOther = await other(['build', '--progress', 'json', '--cgroup-parent', overlay.cgroupParent, '-t', 'app', '--build-arg', `SOURCE_DATE_EPOCH=${EPOCH}`, dir]);
    t.is(onOther.code, 0, onOther.stderr);
    // The image ids differ only through the base: each root imported busybox at its own time.
    t.deepEqual(writtenDiffIds(parseEvents(onOther.stderr)), writtenDiffIds(onOverlay.events));
    t.is(writtenDiffIds(onOverlay.events).length, 3);
  });
}

test('a build killed with SIGKILL during a RUN leaves garbage that is cleared: its mount by the next build, its snapshot by gc', async (t) => {
  const { context, root, dir: scratch, layerctl, cgroupParent, build } = await buildScratch(t, busyboxTar());
  const dir = context('killed', { Dockerfile: 'FROM busybox\nCOPY Dockerfile /\nRUN echo started && sleep 60\n' });
  const child = spawn(process.execPath, [LAYERCTL_BIN, '--root', root, 'build', '--progress', 'json', '--network', 'none', '--cgroup-parent', cgroupParent, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.includes('"line":"started"')) resolve();
    });
    child.on('close', () => reject(new Error(`the build ended before its RUN started: ${stderr}`)));
  });
  child.kill('SIGKILL');
  await exited;
  t.true(mountsUnder(scratch).length > 0, 'the killed build left its step mounted');
  const next = await build(['--network', 'none', context('next', { Dockerfile: 'FROM busybox\nCOPY Dockerfile /next\n' })]);
  t.is(next.code, 0, next.stderr);
  t.deepEqual(mountsUnder(scratch), [], 'the next build took the mount of the dead build off');
  await must(t, layerctl, ['gc']);
  const active = records(parseJson(await must(t, layerctl, ['snapshot', 'ls', '--json']))).filter((s) => s['kind'] === 'active');
  t.deepEqual(active, [], 'gc released the snapshot of the killed step');
});

test("a build removes the views killed builds left (their owner's pid is dead), and no one else's", async (t) => {
  const { root, layerctl, build, context } = await buildScratch(t, busyboxTar());
  const [base] = records(parseJson(await must(t, layerctl, ['snapshot', 'ls', '--json']))).filter((s) => s['kind'] === 'committed');
  const parent = String(base?.['name']);
  const opened = openRoot(root);
  const snapshotter = await openSnapshotter(opened, new Overlay2Driver({ root, tmpDir: path.join(root, TMP_DIR), options: {} }));
  try {
    await snapshotter.view('build-view-of-a-dead-build', parent, { labels: { [UNPACKING_PID_LABEL]: String(deadPid()) } });
    await snapshotter.view('build-view-of-a-live-build', parent, { labels: { [UNPACKING_PID_LABEL]: String(process.pid) } });
    await snapshotter.view('a-view-someone-made', parent);
  } finally {
    await snapshotter.close();
    opened.close();
  }
  t.teardown(async () => {
    await layerctl(['snapshot', 'rm', 'build-view-of-a-live-build']);
    await layerctl(['snapshot', 'rm', 'a-view-someone-made']);
  });
  const built = await build(['--network', 'none', context('any', { Dockerfile: 'FROM busybox\nCOPY Dockerfile /\n' })]);
  t.is(built.code, 0, built.stderr);
  const views = records(parseJson(await must(t, layerctl, ['snapshot', 'ls', '--json']))).filter((s) => s['kind'] === 'view').map((s) => s['name']);
  t.deepEqual(views.sort(), ['a-view-someone-made', 'build-view-of-a-live-build']);
});

/** The pid of a process that has exited and been reaped. */
function deadPid(): number {
  const child = spawnSync('true');
  if (child.pid === undefined) throw new TypeError('could not run true(1)');
  return child.pid;
}
