import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { LayerctlError, NotFoundError } from '@layerctl/sys';

/**
 * The other tools the interoperability tests run, and the Debian package each comes in
 * (scripts/setup.sh installs them). A missing tool fails its test with a line saying what to
 * install: an interop test that cannot run has proven nothing, so it must not pass or skip.
 */
const DEBIAN_PACKAGES = { skopeo: 'skopeo', umoci: 'umoci', tar: 'tar', zstd: 'zstd', gzip: 'gzip' } as const;
export type ExternalTool = keyof typeof DEBIAN_PACKAGES;

/** skopeo's and umoci's JSON output is small; this only guards against a runaway tool. */
const MAX_OUTPUT = 64 * 1024 * 1024;

const run = promisify(execFile);

/** The tool's absolute path, found on PATH; a NotFoundError naming the Debian package when it is missing. */
export function toolPath(tool: ExternalTool): string {
  for (const dir of (process.env.PATH ?? '').split(':').filter((d) => d !== '')) {
    const candidate = path.join(dir, tool);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // Not in this PATH entry; the next one may have it.
    }
  }
  throw new NotFoundError(`${tool} is not installed: install the Debian package ${DEBIAN_PACKAGES[tool]} (scripts/setup.sh does)`);
}

export interface RunOptions {
  /** Scratch space for the tool (skopeo unpacks oci-archives into $TMPDIR); the test's scratch dir. */
  tmpDir?: string;
}

/** Runs the tool and returns its stdout; a failure is an error carrying the tool's exact stderr. */
export async function runTool(tool: ExternalTool, args: string[], opts: RunOptions = {}): Promise<string> {
  const file = toolPath(tool);
  const env = opts.tmpDir === undefined ? process.env : { ...process.env, TMPDIR: opts.tmpDir };
  try {
    const { stdout } = await run(file, args, { env, maxBuffer: MAX_OUTPUT, encoding: 'utf8' });
    return stdout;
  } catch (error) {
    throw failed(`${tool} ${args.join(' ')}`, error);
  }
}

/** Runs a script of ours (a fixture builder) with bash; it says itself what it misses. */
export async function runScript(script: string, args: string[]): Promise<void> {
  try {
    await run('bash', [script, ...args], { maxBuffer: MAX_OUTPUT });
  } catch (error) {
    throw failed(`${path.basename(script)} ${args.join(' ')}`, error);
  }
}

/** The command line and the command's own last words, so a refusal reads exactly as the tool said it. */
function failed(command: string, error: unknown): LayerctlError {
  const stderr = hasStderr(error) && error.stderr.trim() !== '' ? error.stderr.trim() : String(error);
  return new LayerctlError(`${command}: ${stderr}`, { cause: error });
}

function hasStderr(error: unknown): error is { stderr: string } {
  return typeof error === 'object' && error !== null && 'stderr' in error && typeof error.stderr === 'string';
}
