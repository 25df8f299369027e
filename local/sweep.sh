#!/usr/bin/env bash
# Runs the sweeper now through serverless-offline's Lambda API (serverless-offline also runs it on
# its `schedule`): `bash local/sweep.sh`, or `bash local/sweep.sh --every 60` as a faster timer.
# Prints the run's summary (the JSON line the function logs).
set -euo pipefail
source "$(dirname "$0")/common.sh"
EVERY=0; [ "${1:-}" = "--every" ] && EVERY="${2:?seconds}"
URL="http://127.0.0.1:$EC2_LAMBDA_PORT/2015-03-31/functions/ec2-api-dev-sweeper/invocations"
while :; do
  curl -sS --fail-with-body -X POST -H 'content-type: application/json' -d '{}' "$URL"; echo
  [ "$EVERY" -gt 0 ] || break
  sleep "$EVERY"
done
