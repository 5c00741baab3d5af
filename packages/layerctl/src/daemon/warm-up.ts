import { Readable, Writable } from 'node:stream';
import { declareLibcBindings } from '@layerctl/sys';
import { setCommandStatus } from '../command-status.ts';
import { commands } from '../commands/index.ts';

/**
 * Without a rehearsal image (rehearsal.ts): a command line that goes through yargs, run's own
 * option parsing and the error report, and then fails before it touches anything, since no
 * directory can be made under /proc.
 */
const PARSE_REHEARSAL = ['--root', '/proc/layerctl-warm-up/root', 'run', '--rm', '--network', 'none', 'warm-up', '/bin/true'];
/** Twice: the second run is already much faster than the first, a third adds little. */
const REHEARSALS = 2;
const STDIO = ['stdin', 'stdout', 'stderr'] as const;

/**
 * Readies a worker before any command arrives. It loads what commands load on their way (yargs and
 * every command module, the snapshotter, the drivers, the executor, the builder), declares koffi's
 * libc bindings, and runs the rehearsal command line (rehearsal.ts), since V8 compiles a function
 * only when it first runs.
 * Ink is left out on purpose: it costs most of a second and is drawn only for a terminal, where
 * the user is watching anyway. Loading is evaluation only: none of these modules reads the
 * environment or touches stdio at load (the worker's stdio is not the client's yet).
 */
export async function warmUp(run: (args: string[]) => Promise<number>, rehearsal: readonly string[] | undefined): Promise<void> {
  await import('../command-line.ts');
  await Promise.all(Object.values(commands).map((load) => load()));
  await Promise.all([
    import('@layerctl/snapshotter'),
    import('@layerctl/executor'),
    import('@layerctl/builder'),
    import('@layerctl/drivers-overlay2'),
    import('../containers/create-container.ts'),
    import('../containers/run-container.ts'),
    import('../containers/remove-container.ts'),
  ]);
  declareLibcBindings();
  await withNullStdio(async () => {
    for (let i = 0; i < REHEARSALS; i++) await run(rehearsal === undefined ? PARSE_REHEARSAL : [...rehearsal]);
  });
  setCommandStatus(0);
}

/**
 * Runs `fn` with process.stdin, stdout and stderr standing in for empty streams, then puts back
 * Node's own lazy getters untouched, so that the real streams are made on first use afterwards,
 * on the client's descriptors.
 */
async function withNullStdio<T>(fn: () => Promise<T>): Promise<T> {
  const saved = STDIO.map((name) => [name, Object.getOwnPropertyDescriptor(process, name)] as const);
  const sink = (): Writable => new Writable({ write: (_chunk, _encoding, done) => done() });
  const streams = { stdin: Readable.from([]), stdout: sink(), stderr: sink() };
  for (const name of STDIO) Object.defineProperty(process, name, { configurable: true, enumerable: true, get: () => streams[name] });
  try {
    return await fn();
  } finally {
    for (const [name, descriptor] of saved) if (descriptor !== undefined) Object.defineProperty(process, name, descriptor);
  }
}
