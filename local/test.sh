#!/usr/bin/env bash
# npm test: lint, type-check, unit tests, then the integration tests against the real local stack
# (brought up here if it is not running). Ends with one "N passed, N failed" line.
set -uo pipefail
source "$(dirname "$0")/common.sh"
cd "$REPO"

ensure_node_modules
status=0
say "lint"; node_modules/.bin/eslint . || status=1
say "type-check"; node_modules/.bin/tsc --noEmit || status=1

results="$RUN_DIR/test-results.json"
rm -f "$results"
say "unit and integration tests (the integration setup starts the local stack: see $LOG_DIR)"
node_modules/.bin/vitest run --reporter=default --reporter=json --outputFile="$results" "$@" || status=1

if [ -f "$results" ]; then
  node -e '
    const r = require(process.argv[1]);
    const skipped = r.numPendingTests + r.numTodoTests;
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ""}`);
  ' "$results"
else
  echo "0 passed, 1 failed"
  status=1
fi

# CI machines are thrown away, but nothing should outlive the run that started it there.
if [ "${CI:-}" = "true" ]; then bash "$REPO/local/stop.sh" >/dev/null 2>&1 || true; fi
exit $status
