#!/usr/bin/env bash
# Stops the local S3 server started by local/s3/start.sh (by its recorded pid).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PID_FILE="${EC2_RUN_DIR:-$REPO/local/.run}/s3/s3rver.pid"
[ -f "$PID_FILE" ] || exit 0
kill -TERM -- "-$(cat "$PID_FILE")" 2>/dev/null || kill -TERM "$(cat "$PID_FILE")" 2>/dev/null || true
rm -f "$PID_FILE"
