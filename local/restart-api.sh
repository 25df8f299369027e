#!/usr/bin/env bash
# Restarts serverless-offline only (after code changes), leaving OpenStack and the table running.
set -euo pipefail
source "$(dirname "$0")/common.sh"
stop_bg offline
exec bash "$REPO/local/start.sh" "$@"
