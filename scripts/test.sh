#!/usr/bin/env bash
# The README's test command (also `pnpm test`): the type check, then every ava test.
#   ./scripts/test.sh [ava arguments...]
# The type check counts as one suite: 1 passed or 1 failed. ava runs with its TAP reporter so each
# test's result can be counted here; the last line totals both as `N passed, N failed` (and
# `, N skipped` when any were skipped or left to do). A skipped test never counts as passed.
# Exits non-zero when anything failed.
set -uo pipefail

checkout=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd "$checkout" || exit 1

passed=0 failed=0 skipped=0

echo "# type check: tsc -p tsconfig.json"
if node_modules/.bin/tsc -p tsconfig.json; then
  echo "ok - type check"
  passed=$((passed + 1))
else
  echo "not ok - type check"
  failed=$((failed + 1))
fi

tap=$(mktemp "${TMPDIR:-/tmp}/layerctl-tap.XXXXXX")
trap 'rm -f -- "$tap"' EXIT

echo "# ava --tap $*"
node_modules/.bin/ava --tap "$@" | tee "$tap"
ava_status=${PIPESTATUS[0]}

# TAP test lines: `ok N - title`, `not ok N - title`, with an optional directive after the last
# unescaped `#`: SKIP (not run) or TODO (not expected to pass yet); both count as skipped.
# `Bail out!` ends the run early and counts as a failure.
read -r tap_passed tap_failed tap_skipped tap_bailed < <(awk '
  function has_directive(line,    rest, i) {
    rest = line
    gsub(/\\#/, "", rest)
    i = 0
    while (match(substr(rest, i + 1), /#/)) i += RSTART
    if (i == 0) return 0
    return substr(rest, i + 1) ~ /^[ \t]*([Ss][Kk][Ii][Pp]|[Tt][Oo][Dd][Oo])([^A-Za-z0-9]|$)/
  }
  /^not ok([ \t]|$)/ { if (has_directive($0)) skipped++; else failed++; next }
  /^ok([ \t]|$)/     { if (has_directive($0)) skipped++; else passed++; next }
  /^Bail out!/       { bailed++ }
  END { printf "%d %d %d %d\n", passed, failed, skipped, bailed }
' "$tap")

passed=$((passed + tap_passed))
failed=$((failed + tap_failed + tap_bailed))
skipped=$((skipped + tap_skipped))
# ava can fail without a `not ok` line (no test files found, a worker that died, a timeout);
# its exit status is the last word.
if [[ $ava_status -ne 0 && $tap_failed -eq 0 && $tap_bailed -eq 0 ]]; then
  echo "# ava exited with status $ava_status without reporting a failed test; counting one failure"
  failed=$((failed + 1))
fi

summary="$passed passed, $failed failed"
[[ $skipped -gt 0 ]] && summary+=", $skipped skipped"
echo "$summary"
[[ $failed -eq 0 ]]
