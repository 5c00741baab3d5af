import fs from 'node:fs';
import { errnoName, SysError, wrapNodeError } from '@layerctl/sys';

/**
 * Reading and writing cgroup control files. The kernel answers each write(2) on its own: one
 * write is one setting, and a refused value comes back as the write's errno (EINVAL, EBUSY), so
 * every write is one syscall on a descriptor opened write-only. O_RDWR would be refused on files
 * the kernel offers only for writing (cgroup.kill, devices.allow), and O_CREAT must never make
 * a plain file where the kernel has no control file (a controller that is not enabled).
 */

/** The file's content without the trailing newline; throws SysError naming the file. */
export function readCgroupFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw wrapNodeError(err, file);
  }
}

/** As readCgroupFile, or undefined when the file does not exist (controller absent or disabled). */
export function readCgroupFileIfExists(file: string): string | undefined {
  return fs.existsSync(file) ? readCgroupFile(file) : undefined;
}

/** Writes `value` with one write(2); a refusal names the value and the file. */
export function writeCgroupFile(file: string, value: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_WRONLY);
  } catch (err) {
    throw wrapNodeError(err, file);
  }
  try {
    fs.writeSync(fd, value);
  } catch (err) {
    const wrapped = wrapNodeError(err, file);
    if (!(wrapped instanceof SysError)) throw wrapped;
    throw new SysError('write', wrapped.errno, file, {
      message: `writing "${value}" to ${file} was refused: ${errnoName(wrapped.errno)}`,
      cause: err,
    });
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The "key value" lines of flat-keyed files (cgroup.events, memory.events, cpu.stat,
 * memory.oom_control, pids.events) as a map.
 */
export function flatKeyed(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key !== undefined && key !== '' && value !== undefined) values.set(key, value);
  }
  return values;
}

/** One counter from a flat-keyed file; 0 when the file or the key is absent. */
export function flatKeyedCount(file: string, key: string): number {
  const text = readCgroupFileIfExists(file);
  if (text === undefined) return 0;
  const value = flatKeyed(text).get(key);
  return value === undefined ? 0 : Number(value);
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the calling thread; the cgroup API is sync because the container's init uses it. */
export function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

/**
 * Polls `done` with a growing pause (1 ms up to 20 ms) until it holds or `timeoutMs` passes;
 * returns whether it held.
 */
export function waitUntil(done: () => boolean, timeoutMs: number): boolean {
  const deadline = Date.now() + timeoutMs;
  let pause = 1;
  for (;;) {
    if (done()) return true;
    if (Date.now() >= deadline) return false;
    sleepSync(pause);
    pause = Math.min(pause * 2, 20);
  }
}
