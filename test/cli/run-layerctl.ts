import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CHECKOUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const LAYERCTL_BIN = path.join(CHECKOUT, 'packages/layerctl/bin/layerctl.js');

export interface LayerctlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** A file whose bytes become the command's stdin (otherwise stdin is empty). */
  stdinFile?: string;
  /** A file that receives the command's stdout instead of the result (for archives). */
  stdoutFile?: string;
  /** Node options placed before the script, such as `--import`. */
  nodeArgs?: string[];
  /** Variables added to the environment. */
  env?: Record<string, string>;
}

/**
 * Runs the real command line, `node packages/layerctl/bin/layerctl.js ARGS`, as a user would, and
 * collects its exit status and output. Text output is small; archives go to a file.
 */
export function runLayerctl(args: readonly string[], options: RunOptions = {}): Promise<LayerctlResult> {
  return new Promise((resolve, reject) => {
    const stdin = options.stdinFile === undefined ? 'ignore' : fs.openSync(options.stdinFile, 'r');
    const stdout = options.stdoutFile === undefined ? 'pipe' : fs.openSync(options.stdoutFile, 'w');
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), LAYERCTL_BIN, ...args], {
      stdio: [stdin, stdout, 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0', ...options.env },
    });
    for (const fd of [stdin, stdout]) if (typeof fd === 'number') fs.closeSync(fd);
    let out = '';
    let err = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: out, stderr: err }));
  });
}

/**
 * Runs the command line without CAP_SYS_ADMIN (util-linux setpriv drops it from the bounding
 * set): still uid 0, so files stay readable, but mount(2) is refused, as for a user without it.
 */
export function runWithoutSysAdmin(args: readonly string[]): LayerctlResult {
  const result = spawnSync('setpriv', ['--bounding-set=-sys_admin', process.execPath, LAYERCTL_BIN, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** runLayerctl with `--root root` in front. */
export function inRoot(root: string) {
  return (args: readonly string[], options?: RunOptions) => runLayerctl(['--root', root, ...args], options);
}
