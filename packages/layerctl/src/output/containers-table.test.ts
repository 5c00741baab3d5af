import test from 'ava';
import type { ContainerRecord } from '../containers/container-store.ts';
import { containerStatus, containersTable } from './containers-table.ts';

const NOW = new Date('2026-11-22T12:00:00Z');
const MINUTE = 60_000;

function record(fields: Partial<ContainerRecord>): ContainerRecord {
  return {
    id: 'ab'.repeat(32),
    name: 'happy_hopper',
    state: 'running',
    process: { pid: 10, startTime: 5 },
    exitCode: undefined,
    oomKilled: false,
    image: 'busybox',
    imageId: `sha256:${'cd'.repeat(32)}`,
    command: ['sh', '-c', 'while true; do echo tick; sleep 1; done'],
    config: {
      hostname: 'abababababab',
      env: [],
      cwd: '/',
      user: '',
      mounts: [],
      resources: {},
      network: 'none',
      ports: [],
      autoRemove: false,
      tty: false,
      interactive: false,
      runtime: 'layerctl',
      cgroupsPath: 'layerctl/x',
      imageEntrypoint: [],
      imageCmd: [],
      stopSignal: 'SIGTERM',
    },
    createdAt: NOW.getTime() - 10 * MINUTE,
    startedAt: NOW.getTime() - 3 * MINUTE,
    finishedAt: undefined,
    ...fields,
  };
}

test('STATUS reads as docker ps: Up, Up (Paused), Exited (code) ago, Created, and an unseen end as unknown', (t) => {
  t.is(containerStatus(record({}), NOW), 'Up 3 minutes');
  t.is(containerStatus(record({ state: 'paused' }), NOW), 'Up 3 minutes (Paused)');
  t.is(containerStatus(record({ state: 'exited', exitCode: 137, finishedAt: NOW.getTime() - 2 * MINUTE }), NOW), 'Exited (137) 2 minutes ago');
  t.is(containerStatus(record({ state: 'exited', exitCode: undefined, finishedAt: NOW.getTime() - MINUTE }), NOW), 'Exited (unknown) About a minute ago');
  t.is(containerStatus(record({ state: 'created' }), NOW), 'Created');
});

test('ps shows the short id, the command quoted and cut at 20 characters, and the name last', (t) => {
  const [header, row] = containersTable([record({})], NOW).split('\n');
  t.regex(header ?? '', /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
  t.regex(row ?? '', /^abababababab\s+busybox\s+"sh -c while true; d…"\s+10 minutes ago\s+Up 3 minutes\s+happy_hopper$/);
});
