#!/usr/bin/env bash
# npm stop: stops serverless-offline, the state table engine and the local OpenStack.
set -euo pipefail
source "$(dirname "$0")/common.sh"
stop_bg offline
stop_bg table
external_cloud || bash "$REPO/local/openstack/down.sh"
say "stopped"
