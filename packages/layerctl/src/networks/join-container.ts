import fs from 'node:fs';
import path from 'node:path';
import { FailedPreconditionError, InvalidArgumentError, mount, MS_BIND } from '@layerctl/sys';
import { removeNetnsFile } from '@layerctl/executor';
import { ContainerStore } from '../containers/container-store.ts';
import { isLive } from '../containers/container-signals.ts';
import type { NetworkRoot } from './connect-network.ts';
import { netnsFile } from './network-names.ts';
import { parseNetworkMode } from './network-mode.ts';

/**
 * The full id a `container:<name|id>` names, checked: a live container with a network namespace
 * of its own (not host, which is --network host).
 */
export function resolveJoinTarget(root: NetworkRoot, text: string): string {
  const target = new ContainerStore(root.metadata).resolve(text);
  if (!isLive(target)) throw new FailedPreconditionError(`--network container:${text}: container ${target.name} is ${target.state}; start it first`);
  if (parseNetworkMode(target.config.network).kind === 'host') throw new InvalidArgumentError(`--network container:${text}: ${target.name} uses the host's network; use --network host`);
  return target.id;
}

/**
 * Binds the target container's network namespace on the joining container's netns file: the
 * target's own netns file when it has one, else its PID 1's /proc/PID/ns/net (a --network none
 * container run by our executor).
 */
export function bindNetnsOf(root: NetworkRoot, text: string, file: string): void {
  const store = new ContainerStore(root.metadata);
  const target = store.resolve(text);
  const own = netnsFile(root.dir, target.id);
  const source = fs.existsSync(own) ? own : processNetns(target.process?.pid, text);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, '', { mode: 0o444, flag: 'wx' });
  try {
    mount(source, file, null, MS_BIND);
  } catch (err) {
    removeNetnsFile(file);
    throw err;
  }
}

function processNetns(pid: number | undefined, text: string): string {
  const file = `/proc/${pid ?? 0}/ns/net`;
  if (pid === undefined || !fs.existsSync(file) || fs.statSync(file).ino === fs.statSync('/proc/self/ns/net').ino) {
    throw new FailedPreconditionError(`--network container:${text}: its network namespace cannot be found (is it run by --runtime crun or runc? join only containers run by layerctl's own executor)`);
  }
  return file;
}
