import { spawnSync } from 'node:child_process';
import { LayerctlError, NotSupportedError } from '@layerctl/sys';

/** How long one `ip`, `nft` or `unshare` call may take before it counts as hung. */
const TOOL_TIMEOUT_MS = 10_000;
/** The Debian package that brings each tool, for the error when it is missing. */
const PACKAGES: Readonly<Record<string, string>> = { ip: 'iproute2', nft: 'nftables', unshare: 'util-linux', nsenter: 'util-linux' };

/**
 * Runs iproute2's `ip`, nftables' `nft` or util-linux's `unshare`/`nsenter` and returns its
 * stdout. These tools speak rtnetlink and nf_tables' netlink for us: nf_tables rules are
 * bytecode only `nft` compiles, and one `nft -f -` applies a whole table atomically. A failure
 * names the command line and the tool's own message.
 */
export function runNetworkTool(program: string, args: readonly string[], input?: string): string {
  const result = spawnSync(program, args, { input, encoding: 'utf8', timeout: TOOL_TIMEOUT_MS, stdio: ['pipe', 'pipe', 'pipe'] });
  if (result.error !== undefined) {
    if ('code' in result.error && result.error.code === 'ENOENT') throw notInstalled(program, result.error);
    throw new LayerctlError(`${program} ${args.join(' ')}: ${result.error.message}`, { cause: result.error });
  }
  if (result.status !== 0) throw toolFailed({ program, args, input }, result.status ?? result.signal ?? 'unknown', result.stderr);
  return result.stdout;
}

/** One call of runNetworkTools: a program, its arguments and what it reads on stdin. */
export interface ToolCall {
  program: string;
  args: readonly string[];
  input?: string;
}

/** The first stdio descriptor a call of runNetworkTools reports on; dash redirects descriptors up to 9. */
const FIRST_REPORT_FD = 3;
const MAX_CONCURRENT_CALLS = 7;
/** The status a shell gives a command it cannot find. */
const NOT_FOUND_STATUS = '127';

/**
 * Runs tools at the same time and waits for all of them; their stdout is dropped. Taking a
 * bridge and a table down is mostly the kernel waiting for RCU grace periods, and those overlap
 * when the calls do. Node cannot wait for two children synchronously, so one `sh` starts them
 * all; each call's stderr and then its status come back on a pipe of its own (fd 3 + i), its
 * input in an environment variable. Every call runs to its end; the result holds each call's
 * failure (undefined when it succeeded), for the caller to judge.
 */
export function runNetworkTools(calls: readonly ToolCall[]): (LayerctlError | undefined)[] {
  const [only] = calls;
  if (calls.length === 1 && only !== undefined) {
    try {
      runNetworkTool(only.program, only.args, only.input);
      return [undefined];
    } catch (err) {
      if (err instanceof LayerctlError) return [err];
      throw err;
    }
  }
  if (calls.length === 0) return [];
  if (calls.length > MAX_CONCURRENT_CALLS) throw new LayerctlError(`runNetworkTools: ${calls.length} calls at once; at most ${MAX_CONCURRENT_CALLS}`);
  const env: NodeJS.ProcessEnv = { ...process.env };
  const jobs = calls.map((call, i) => {
    env[`LAYERCTL_TOOL_INPUT_${i}`] = call.input ?? '';
    const argv = [call.program, ...call.args].map(shellQuote).join(' ');
    return `{ printf '%s' "$LAYERCTL_TOOL_INPUT_${i}" | ${argv} 2>&1 >/dev/null; echo "$?"; } >&${FIRST_REPORT_FD + i} &`;
  });
  const result = spawnSync('sh', ['-c', `${jobs.join('\n')}\nwait\n`], {
    env, encoding: 'utf8', timeout: TOOL_TIMEOUT_MS, stdio: ['ignore', 'ignore', 'pipe', ...calls.map(() => 'pipe' as const)],
  });
  if (result.error !== undefined) throw new LayerctlError(`sh running ${calls.map((call) => call.program).join(', ')}: ${result.error.message}`, { cause: result.error });
  return calls.map((call, i) => {
    const report = (result.output[FIRST_REPORT_FD + i] ?? '').trimEnd().split('\n');
    const status = report.pop() ?? '';
    if (status === '0') return undefined;
    if (status === NOT_FOUND_STATUS) return notInstalled(call.program);
    return toolFailed(call, status === '' ? result.signal ?? 'unknown' : status, report.join('\n'));
  });
}

/** Throws the first failure runNetworkTools reported. */
export function throwFirstFailure(failures: readonly (LayerctlError | undefined)[]): void {
  const failure = failures.find((item) => item !== undefined);
  if (failure !== undefined) throw failure;
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

function notInstalled(program: string, cause?: Error): NotSupportedError {
  return new NotSupportedError(`${program} is not installed; container networking needs it (Debian package ${PACKAGES[program] ?? program})`, { cause });
}

/** The failure of a call: its command line, the first lines the tool said, the start of its input. */
function toolFailed(call: ToolCall, status: number | string, stderr: string): LayerctlError {
  const said = stderr.trim().split('\n').filter((line) => line !== '').slice(0, 3).join('; ');
  const shown = call.input === undefined ? '' : ` (input: ${call.input.trim().split('\n')[0] ?? ''}...)`;
  return new LayerctlError(`${[call.program, ...call.args].join(' ')} failed (status ${status}): ${said}${shown}`);
}
