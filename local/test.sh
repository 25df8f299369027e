#!/usr/bin/env bash
# npm test: lint, type-check, unit tests, then the integration tests against the real local stack
# (brought up here if it is not running). Ends with one "N passed, N failed" line.
set -uo pipefail
source "$(dirname "$0")/common.sh"
cd "$REPO"

ensure_node_modules
bash "$REPO/local/test-tools.sh" || exit 1
status=0
say "lint"; node_modules/.bin/eslint . || status=1
say "type-check"; node_modules/.bin/tsc --noEmit || status=1

# Unit tests first, then the integration tests (their setup starts the local stack: see $LOG_DIR).
for project in unit integration; do
  rm -f "$RUN_DIR/test-results-$project.json"
  say "$project tests"
  node_modules/.bin/vitest run --project "$project" --reporter=default --reporter=json \
    --outputFile="$RUN_DIR/test-results-$project.json" "$@" || status=1
done

node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const file of process.argv.slice(1)) {
    if (!fs.existsSync(file)) { failed++; continue; }  // a project that could not even report
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + r.numTodoTests;
    if (!r.success && r.numFailedTests === 0) failed++;  // e.g. a failing global setup
  }
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
' "$RUN_DIR/test-results-unit.json" "$RUN_DIR/test-results-integration.json"

# CI machines are thrown away, but nothing should outlive the run that started it there.
if [ "${CI:-}" = "true" ]; then bash "$REPO/local/stop.sh" >/dev/null 2>&1 || true; fi
exit $status
