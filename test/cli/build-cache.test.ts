import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { busyboxTarForFile } from './busybox-tar.ts';
import { buildScratch, cachedAndRun, writtenDiffIds } from './build-scratch.ts';

const busyboxTar = busyboxTarForFile(test);

/** Step names without their "[n/m] " prefix. */
function bare(names: string[]): string[] {
  return names.map((name) => name.replace(/^\[[^\]]*\] /, ''));
}

test('a second build hits the cache for every step and gives the same image id', async (t) => {
  const { build, fixture } = await buildScratch(t, busyboxTar());
  const dir = fixture('busybox-app');
  const first = await build(['-t', 'app', dir]);
  t.is(first.code, 0, first.stderr);
  const second = await build(['-t', 'app', dir]);
  t.is(second.code, 0, second.stderr);
  t.is(second.imageId, first.imageId);
  const { cached, run } = cachedAndRun(second.events);
  t.deepEqual(bare(run), ['FROM busybox'], 'only FROM is resolved again');
  t.is(cached.length, 13);
  t.deepEqual(writtenDiffIds(second.events), []);
});

test('editing a line rebuilds from that line on; the steps before it stay cached', async (t) => {
  const { build, fixture } = await buildScratch(t, busyboxTar());
  const dir = fixture('busybox-app');
  t.is((await build(['-t', 'app', dir])).code, 0);
  const dockerfile = path.join(dir, 'Dockerfile');
  fs.writeFileSync(dockerfile, fs.readFileSync(dockerfile, 'utf8').replace('EXPOSE 8080/tcp', 'EXPOSE 9090/tcp'));
  const rebuilt = await build(['-t', 'app', dir]);
  t.is(rebuilt.code, 0, rebuilt.stderr);
  const { cached, run } = cachedAndRun(rebuilt.events);
  t.deepEqual(bare(cached), ['ARG VERSION=1.0', 'LABEL org.opencontainers.image.title="hello-app" org.opencontainers.image.version="${VERSION}"', 'ENV APP_HOME=/app GREETING=hello', 'WORKDIR $APP_HOME', 'COPY app.sh ./', 'COPY config/ ./config/', 'RUN chmod 0755 app.sh && ./app.sh > built-greeting.txt']);
  t.deepEqual(bare(run), ['FROM busybox', 'EXPOSE 9090/tcp', 'STOPSIGNAL SIGTERM', 'HEALTHCHECK --interval=30s --timeout=3s CMD ["/app/app.sh"]', 'USER www-data', 'ENTRYPOINT ["/app/app.sh"]', 'CMD ["--plain"]']);
});

test("touching a COPY source's mtime keeps the cache; changing its content rebuilds from that COPY", async (t) => {
  const { build, fixture } = await buildScratch(t, busyboxTar());
  const dir = fixture('busybox-app');
  const first = await build(['-t', 'app', dir]);
  t.is(first.code, 0, first.stderr);
  const source = path.join(dir, 'config/name.txt');
  const later = new Date(Date.now() + 3_600_000);
  fs.utimesSync(source, later, later);
  const touched = await build(['-t', 'app', dir]);
  t.is(touched.imageId, first.imageId);
  t.deepEqual(writtenDiffIds(touched.events), []);
  fs.writeFileSync(source, 'someone else\n');
  const changed = await build(['-t', 'app', dir]);
  t.is(changed.code, 0, changed.stderr);
  t.not(changed.imageId, first.imageId);
  const { cached, run } = cachedAndRun(changed.events);
  t.true(bare(cached).includes('COPY app.sh ./'));
  t.deepEqual(bare(run).slice(0, 3), ['FROM busybox', 'COPY config/ ./config/', 'RUN chmod 0755 app.sh && ./app.sh > built-greeting.txt']);
});

test('a changed --build-arg value misses the cache from the ARG on', async (t) => {
  const { build, fixture } = await buildScratch(t, busyboxTar());
  const dir = fixture('busybox-app');
  t.is((await build(['-t', 'app', dir])).code, 0);
  const other = await build(['-t', 'app', '--build-arg', 'VERSION=2.0', dir]);
  t.is(other.code, 0, other.stderr);
  t.deepEqual(cachedAndRun(other.events).cached, []);
});

test('--no-cache runs every step again', async (t) => {
  const { build, fixture } = await buildScratch(t, busyboxTar());
  const dir = fixture('busybox-app');
  t.is((await build(['-t', 'app', dir])).code, 0);
  const again = await build(['-t', 'app', '--no-cache', dir]);
  t.is(again.code, 0, again.stderr);
  t.deepEqual(cachedAndRun(again.events).cached, []);
  t.is(writtenDiffIds(again.events).length, 3);
});

test('the cache is shared by every image built in the root: another Dockerfile with the same first steps hits it', async (t) => {
  const { build, context } = await buildScratch(t, busyboxTar());
  const a = context('a', { Dockerfile: 'FROM busybox\nRUN echo shared > /shared.txt\nCMD ["a"]\n' });
  const b = context('b', { Dockerfile: 'FROM busybox\nRUN echo shared > /shared.txt\nCMD ["b"]\n' });
  t.is((await build(['-t', 'a', a])).code, 0);
  const second = await build(['-t', 'b', b]);
  t.is(second.code, 0, second.stderr);
  t.deepEqual(bare(cachedAndRun(second.events).cached), ['RUN echo shared > /shared.txt']);
});

test('gc drops the cache entries of layers it removed, so the next build runs those steps again', async (t) => {
  const { build, fixture, layerctl } = await buildScratch(t, busyboxTar());
  const dir = fixture('busybox-app');
  t.is((await build(['-t', 'app', dir])).code, 0);
  t.is((await layerctl(['rmi', 'app'])).code, 0);
  const gc = await layerctl(['gc', '--json']);
  t.is(gc.code, 0, gc.stderr);
  const report: unknown = JSON.parse(gc.stdout);
  t.like(report, { removedBuildCacheEntries: 3 }, 'the two COPY layers and the RUN layer');
  const rebuilt = await build(['-t', 'app', dir]);
  t.is(rebuilt.code, 0, rebuilt.stderr);
  t.is(writtenDiffIds(rebuilt.events).length, 3);
});
