import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { InvalidArgumentError } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { runPlan } from '../security/testing/run-probe.ts';
import { initBinary } from './init-binary.ts';
import { encodePlan, INIT_OPS, type InitOp, initOp, PLAN_MAGIC } from './init-plan.ts';
import { parseInitFailure } from './init-protocol.ts';

/** One of each operation, with values at the edges of their fields. */
const EVERY_OP: InitOp[] = [
  initOp('unshare', 0x6c020000),
  initOp('setns', '/proc/1/ns/net', 0x40000000),
  initOp('loopback_up'),
  initOp('mount', '', '/', '', 0x44000, ''),
  initOp('open_root', '/dev/shm/b/rootfs'),
  initOp('mkdir_in_root', '/proc', 0o755),
  initOp('mkfile_in_root', '/etc/hosts', 0o644),
  initOp('mknod_in_root', '/dev/null', 0o20666, 0x103n, 0, 0xffffffff),
  initOp('symlink_in_root', '/dev/fd', '/proc/self/fd'),
  initOp('mount_in_root', 'tmpfs', '/dev', 'tmpfs', 0x1000002, 'mode=755,size=65536k', 1),
  initOp('console_in_root', '/dev/console'),
  initOp('pivot_root'),
  initOp('mask_path', '/proc/kcore'),
  initOp('readonly_path', '/proc/sys'),
  initOp('write_file', '/proc/sys/net/ipv4/ping_group_range', '0 2147483647'),
  initOp('sethostname', 'h\u00e9'),
  initOp('terminal_session'),
  initOp('chdir', '/home/with "quotes" and \\ and \n'),
  initOp('umask', 0o22),
  initOp('wait_go'),
  initOp('rlimit', 'RLIMIT_NOFILE', 7, 1024n, 0xffffffffffffffffn),
  initOp('no_new_privs'),
  initOp('drop_bounding', 0xa80425fbn),
  initOp('seccomp', Buffer.from([6, 0, 0, 0, 0, 0, 0xff, 0x7f])),
  initOp('switch_user', 1000, 1001, [5, 6]),
  initOp('capabilities', 0xa80425fbn, 0xa80425fbn, 0n, []),
  initOp('exec', ['sh', '-c', 'echo hi'], ['PATH=/bin', 'EMPTY=']),
];

/** What `layerctl-init --print-plan` prints for an operation: u64 and bytes as strings, the rest as JSON. */
function printed(op: InitOp): unknown {
  const args = op.args.map((arg: unknown) => (typeof arg === 'bigint' ? String(arg) : Buffer.isBuffer(arg) ? arg.toString('hex') : arg));
  return { op: op.op, args };
}

function printPlan(plan: Buffer): { status: number | null; lines: unknown[]; failure: string } {
  const child = spawnSync(initBinary(), ['--print-plan'], { input: plan, stdio: ['pipe', 'pipe', 'pipe', 'ignore', 'pipe'], encoding: 'utf8' });
  return { status: child.status, lines: child.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l)), failure: child.output[4] ?? '' };
}

function op(code: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32LE(code, 0);
  header.writeUInt32LE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

test('every operation the TypeScript side writes is read back by the init as it was written', (t) => {
  t.is(EVERY_OP.length, Object.keys(INIT_OPS).length);
  const { status, lines, failure } = printPlan(encodePlan(EVERY_OP));
  t.is(failure, '');
  t.is(status, 0);
  t.deepEqual(lines, EVERY_OP.map(printed));
});

test('a malformed plan is refused whole, with 125 and where it went wrong', (t) => {
  const good = encodePlan([initOp('umask', 0), initOp('exec', ['true'], [])]);
  const magic = PLAN_MAGIC.length;
  const cases: [string, Buffer, RegExp][] = [
    ['no magic', Buffer.from('hello world'), /does not start with LCPLAN01/],
    ['truncated', good.subarray(0, good.length - 3), /at byte \d+ in exec: a field runs past the end|runs past the end of the plan/],
    ['unknown operation', Buffer.concat([good.subarray(0, magic), op(999, Buffer.alloc(0))]), /at byte 8: unknown operation 999/],
    ['operation code 0', Buffer.concat([good.subarray(0, magic), op(0, Buffer.alloc(0))]), /unknown operation 0/],
    ['bytes left over', Buffer.concat([good.subarray(0, magic), op(INIT_OPS.umask.code, Buffer.alloc(5))]), /in umask: bytes are left over/],
    ['field too short', Buffer.concat([good.subarray(0, magic), op(INIT_OPS.umask.code, Buffer.alloc(3))]), /in umask: a field runs past the end/],
    ['NUL in a string', Buffer.concat([good.subarray(0, magic), op(INIT_OPS.chdir.code, Buffer.from([3, 0, 0, 0, 0x61, 0, 0x62]))]), /in chdir: a string holds a NUL byte/],
    ['list longer than its operation', Buffer.concat([good.subarray(0, magic), op(INIT_OPS.exec.code, Buffer.from([0xff, 0xff, 0xff, 0x7f]))]), /in exec: a list is longer than its operation/],
  ];
  for (const [name, plan, message] of cases) {
    const { status, lines, failure } = printPlan(plan);
    t.is(status, 125, name);
    t.deepEqual(lines, [], name);
    const parsed = parseInitFailure(failure);
    t.is(parsed.exitCode, 125, name);
    t.regex(parsed.message, /^container init: malformed plan/, name);
    t.regex(parsed.message, message, name);
  }
});

test('a plan that does not end with exec is refused before any step runs', (t) => {
  const scratch = scratchDir(t);
  const marker = path.join(scratch, 'made');
  const report = runPlan(scratch, [initOp('write_file', marker, 'x')]);
  t.is(report.error?.exitCode, 125);
  t.regex(report.error?.message ?? '', /must end with exec/);
  t.false(fs.existsSync(marker));
});

test('a failing step stops the init with 125 and a message naming the step, its input and the errno', (t) => {
  const scratch = scratchDir(t);
  const marker = path.join(scratch, 'after');
  // The kernel refuses a soft limit above the hard one (EINVAL), whoever asks.
  const report = runPlan(scratch, [
    initOp('rlimit', 'RLIMIT_NOFILE', 7, 10n, 5n),
    initOp('write_file', marker, 'x'),
    initOp('exec', ['/bin/true'], []),
  ]);
  t.deepEqual(report.error, { message: 'setrlimit RLIMIT_NOFILE: EINVAL (Invalid argument)', exitCode: 125 });
  t.false(fs.existsSync(marker), 'nothing after the failed step ran');
  const mount = runPlan(scratch, [initOp('mount', '/dev/shm/layerctl-no-such-source', marker, '', 0x1000, ''), initOp('exec', ['/bin/true'], [])]);
  t.is(mount.error?.message, `mount /dev/shm/layerctl-no-such-source on ${marker}: ENOENT (No such file or directory)`);
});

test('the program is looked up on the plan environment PATH, with 127 and 126 as Docker reports them', (t) => {
  const scratch = scratchDir(t);
  fs.writeFileSync(path.join(scratch, 'not-executable'), 'x', { mode: 0o644 });
  const found = runPlan(scratch, [initOp('exec', ['true'], [`PATH=${scratch}:/nonexistent:/bin`])]);
  t.deepEqual(found, { status: {}, probes: {} });
  t.deepEqual(runPlan(scratch, [initOp('exec', ['nosuch'], ['PATH=/nonexistent'])]).error, {
    message: 'exec nosuch: executable file not found in $PATH',
    exitCode: 127,
  });
  t.deepEqual(runPlan(scratch, [initOp('exec', ['not-executable'], [`PATH=${scratch}`])]).error, {
    message: `exec not-executable: permission denied (${scratch}/not-executable)`,
    exitCode: 126,
  });
  t.is(runPlan(scratch, [initOp('exec', ['/nonexistent/x'], [])]).error?.exitCode, 127);
});

test('values a field cannot hold and strings with NUL are refused by the encoder, naming the operation', (t) => {
  t.throws(() => encodePlan([initOp('umask', -1)]), { instanceOf: InvalidArgumentError, message: /umask: -1 is not a u32/ });
  t.throws(() => encodePlan([initOp('umask', 2 ** 32)]), { instanceOf: InvalidArgumentError });
  t.throws(() => encodePlan([initOp('drop_bounding', -1n)]), { instanceOf: InvalidArgumentError, message: /drop_bounding/ });
  t.throws(() => encodePlan([initOp('chdir', 'a\0b')]), { instanceOf: InvalidArgumentError, message: /chdir: .* holds a NUL byte/ });
});
