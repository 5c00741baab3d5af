import type { ExecutionContext } from 'ava';
import { diffFacts, treeFacts, type TreeOptions } from '../archive/testdata/compare-trees.ts';

/**
 * Asserts that `actual` holds exactly the entries of `expected`, entry by entry (type, mode,
 * owner, xattrs, content, link target, hardlink group; mtimes as `opts` says). On failure the
 * message lists the differing entries and then both trees whole, so the failure shows what the
 * snapshot held without rerunning the test.
 */
export function assertSameTree(
  t: ExecutionContext,
  expected: string | Map<string, string>,
  actual: string,
  what: string,
  opts: TreeOptions = {},
): void {
  const want = typeof expected === 'string' ? treeFacts(expected, opts) : expected;
  const got = treeFacts(actual, opts);
  const diffs = diffFacts(want, got);
  if (diffs.length === 0) {
    t.pass();
    return;
  }
  const source = typeof expected === 'string' ? expected : 'recorded earlier';
  t.fail(
    `${what}: ${actual} differs from the expected tree (${source})\n` +
      `differences (- expected, + actual):\n${diffs.join('\n')}\n` +
      `expected tree:\n${listFacts(want)}\nactual tree:\n${listFacts(got)}`,
  );
}

/** Entries a failure message lists of one tree; the differences are always listed whole. */
const DUMP_MAX_ENTRIES = 100;

/** Facts as one indented line per entry, the first DUMP_MAX_ENTRIES of them. */
export function listFacts(facts: Map<string, string>): string {
  if (facts.size === 0) return '  (empty)';
  const lines = [...facts].slice(0, DUMP_MAX_ENTRIES).map(([name, line]) => `  ${name}: ${line}`);
  if (facts.size > DUMP_MAX_ENTRIES) lines.push(`  … and ${facts.size - DUMP_MAX_ENTRIES} more entries`);
  return lines.join('\n');
}
