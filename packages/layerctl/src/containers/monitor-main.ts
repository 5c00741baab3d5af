/**
 * The monitor of a detached container (`run -d`), started by run-container.ts as
 * `node monitor-main.ts ROOT ID` in a session of its own, stdout and stderr on the container's
 * log, fd 3 a pipe back to `run`. It starts the container, records its pid and start time,
 * reports {"pid": N} (or {"error": "...", "status": N}) on fd 3 and closes it, then waits, records the exit
 * status and releases the rootfs and cgroups (and with --rm removes the container).
 */
import fs from 'node:fs';
import { errorMessage } from '@layerctl/snapshotter';
import { LayerctlError } from '@layerctl/sys';
import { withSnapshotter } from '../with-snapshotter.ts';
import { startContainerProcess, type StartedContainer } from './container-process.ts';
import { ContainerStore } from './container-store.ts';
import { processIdentity } from './process-identity.ts';
import { afterRun, MONITOR_STATUS_FD } from './run-container.ts';

const [rootDir = '', id = ''] = process.argv.slice(2);
const context = { root: rootDir, driver: undefined };

function report(value: object): void {
  fs.writeSync(MONITOR_STATUS_FD, `${JSON.stringify(value)}\n`);
  fs.closeSync(MONITOR_STATUS_FD);
}

let started: StartedContainer | undefined;
try {
  started = await withSnapshotter(context, async ({ root }) => {
    const store = new ContainerStore(root.metadata);
    const record = store.resolve(id);
    const container = await startContainerProcess(root.dir, record, { stdin: 'ignore', stdout: 1, stderr: 2 });
    store.markRunning(id, processIdentity(container.pid) ?? { pid: container.pid, startTime: 0 });
    return container;
  });
  report({ pid: started.pid });
} catch (err) {
  // The status `run -d` exits with: Docker's 126/127 when the program could not run, else 125.
  report({ error: errorMessage(err), status: err instanceof LayerctlError ? err.exitCode : 1 });
  await withSnapshotter(context, async (snapshot) => {
    const record = new ContainerStore(snapshot.root.metadata).find(id);
    if (record !== undefined) await afterRun(snapshot, record);
  });
  process.exitCode = 1;
}
if (started !== undefined) {
  const exit = await started.wait();
  await withSnapshotter(context, async (snapshot) => {
    const store = new ContainerStore(snapshot.root.metadata);
    const record = store.find(id);
    if (record === undefined) return;
    store.markExited(id, exit.code, exit.oomKilled);
    await afterRun(snapshot, record);
  });
}
