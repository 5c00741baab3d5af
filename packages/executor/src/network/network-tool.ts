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
    if ('code' in result.error && result.error.code === 'ENOENT') {
      throw new NotSupportedError(`${program} is not installed; container networking needs it (Debian package ${PACKAGES[program] ?? program})`, { cause: result.error });
    }
    throw new LayerctlError(`${program} ${args.join(' ')}: ${result.error.message}`, { cause: result.error });
  }
  if (result.status !== 0) {
    const said = result.stderr.trim().split('\n').filter((line) => line !== '').slice(0, 3).join('; ');
    const shown = input === undefined ? '' : ` (input: ${input.trim().split('\n')[0] ?? ''}...)`;
    throw new LayerctlError(`${program} ${args.join(' ')} failed (status ${result.status ?? result.signal}): ${said}${shown}`);
  }
  return result.stdout;
}
