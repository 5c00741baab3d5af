import { InvalidArgumentError } from '@layerctl/sys';

/**
 * The init plan: what the container's init (native/init, a small C program) does, decided here
 * and written as a flat list of primitive operations in the order they run. The init only
 * interprets it; every policy (which namespaces, which mounts where, which capabilities) is
 * TypeScript's.
 *
 * Encoding (native/init/plan.h reads it): the 8-byte magic, then each operation as u32 code,
 * u32 payload length, payload. Payload fields follow the operation's signature: u = u32,
 * U = u64, s = string (u32 length + UTF-8 bytes, no NUL), b = bytes (u32 length + bytes),
 * S = list of strings (u32 count + strings), L = list of u32 (u32 count + values); little-endian.
 */
export const PLAN_MAGIC = 'LCPLAN01';

type Field = 'u' | 'U' | 's' | 'b' | 'S' | 'L';

/** Codes and signatures; native/init/plan.c's OP_KINDS says the same (the round-trip test checks). */
export const INIT_OPS = {
  unshare: { code: 1, fields: ['u'] },
  setns: { code: 2, fields: ['s', 'u'] },
  loopback_up: { code: 3, fields: [] },
  open_cgroup: { code: 4, fields: ['s'] },
  mount: { code: 5, fields: ['s', 's', 's', 'u', 's'] },
  open_root: { code: 6, fields: ['s'] },
  mkdir_in_root: { code: 7, fields: ['s', 'u'] },
  mkfile_in_root: { code: 8, fields: ['s', 'u'] },
  mknod_in_root: { code: 9, fields: ['s', 'u', 'U', 'u', 'u'] },
  symlink_in_root: { code: 10, fields: ['s', 's'] },
  mount_in_root: { code: 11, fields: ['s', 's', 's', 'u', 's', 'u'] },
  console_in_root: { code: 12, fields: ['s'] },
  pivot_root: { code: 13, fields: [] },
  mask_path: { code: 14, fields: ['s'] },
  readonly_path: { code: 15, fields: ['s'] },
  write_file: { code: 16, fields: ['s', 's'] },
  sethostname: { code: 17, fields: ['s'] },
  terminal_session: { code: 18, fields: [] },
  chdir: { code: 19, fields: ['s'] },
  umask: { code: 20, fields: ['u'] },
  wait_go: { code: 21, fields: [] },
  join_cgroups: { code: 22, fields: [] },
  rlimit: { code: 23, fields: ['s', 'u', 'U', 'U'] },
  no_new_privs: { code: 24, fields: [] },
  drop_bounding: { code: 25, fields: ['U'] },
  seccomp: { code: 26, fields: ['b'] },
  switch_user: { code: 27, fields: ['u', 'u', 'L'] },
  capabilities: { code: 28, fields: ['U', 'U', 'U', 'L'] },
  exec: { code: 29, fields: ['S', 'S'] },
} as const satisfies Record<string, { code: number; fields: readonly Field[] }>;

export type InitOpName = keyof typeof INIT_OPS;

type FieldValue<F> = F extends 'u' ? number
  : F extends 'U' ? bigint
  : F extends 's' ? string
  : F extends 'b' ? Buffer
  : F extends 'S' ? readonly string[]
  : readonly number[];

type FieldValues<T extends readonly Field[]> = { -readonly [I in keyof T]: FieldValue<T[I]> };

/** One operation of the plan: its name and its fields, typed by its signature. */
export type InitOp = { [K in InitOpName]: { op: K; args: FieldValues<(typeof INIT_OPS)[K]['fields']> } }[InitOpName];

/** An operation, e.g. `initOp('mount_in_root', 'proc', '/proc', 'proc', flags, '', 1)`. */
export function initOp<K extends InitOpName>(op: K, ...args: FieldValues<(typeof INIT_OPS)[K]['fields']>): InitOp {
  // The union cannot be narrowed from a generic K; the parameters are exactly this K's fields.
  return { op, args } as InitOp;
}

const U32_MAX = 0xffffffff;
const U64_MAX = 0xffffffffffffffffn;

/** The plan as the init reads it. Values out of a field's range, and strings holding NUL, are refused. */
export function encodePlan(ops: readonly InitOp[]): Buffer {
  const parts: Buffer[] = [Buffer.from(PLAN_MAGIC, 'latin1')];
  for (const operation of ops) {
    const { code, fields } = INIT_OPS[operation.op];
    const payload = Buffer.concat(fields.map((field: Field, i) => encodeField(field, operation.args[i], operation.op)));
    const header = Buffer.alloc(8);
    header.writeUInt32LE(code, 0);
    header.writeUInt32LE(payload.length, 4);
    parts.push(header, payload);
  }
  return Buffer.concat(parts);
}

function encodeField(field: Field, value: unknown, op: string): Buffer {
  switch (field) {
    case 'u':
      return u32(checkU32(value, op));
    case 'U': {
      if (typeof value !== 'bigint' || value < 0n || value > U64_MAX) throw refused(op, `${String(value)} is not a u64`);
      const out = Buffer.alloc(8);
      out.writeBigUInt64LE(value);
      return out;
    }
    case 's':
      return text(value, op);
    case 'b':
      if (!Buffer.isBuffer(value)) throw refused(op, 'a bytes field is not a Buffer');
      return Buffer.concat([u32(value.length), value]);
    case 'S':
      if (!Array.isArray(value)) throw refused(op, 'a list of strings is not an array');
      return Buffer.concat([u32(value.length), ...value.map((v: unknown) => text(v, op))]);
    case 'L':
      if (!Array.isArray(value)) throw refused(op, 'a list of numbers is not an array');
      return Buffer.concat([u32(value.length), ...value.map((v: unknown) => u32(checkU32(v, op)))]);
  }
}

function checkU32(value: unknown, op: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > U32_MAX) throw refused(op, `${String(value)} is not a u32`);
  return value;
}

function u32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(value);
  return out;
}

function text(value: unknown, op: string): Buffer {
  if (typeof value !== 'string') throw refused(op, 'a string field is not a string');
  if (value.includes('\0')) throw refused(op, `${JSON.stringify(value)} holds a NUL byte`);
  const bytes = Buffer.from(value, 'utf8');
  return Buffer.concat([u32(bytes.length), bytes]);
}

function refused(op: string, why: string): InvalidArgumentError {
  return new InvalidArgumentError(`container init plan, ${op}: ${why}`);
}
