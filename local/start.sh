#!/usr/bin/env bash
# npm start: brings up whatever is missing (npm dependencies, the local OpenStack unless a cloud is
# configured, the state table engine, serverless-offline) and prints how to reach the endpoint.
# Safe to run again: what is running is left alone. `--quiet` prints only errors (used by tests).
set -euo pipefail
source "$(dirname "$0")/common.sh"
QUIET=0; [ "${1:-}" = "--quiet" ] && QUIET=1

ensure_node_modules

if external_cloud; then
  [ "$QUIET" = 1 ] || say "using the configured cloud (${OS_CLOUD:-$OS_AUTH_URL})"
else
  # Its stage lines (`[hh:mm:ss] …`) also go to the terminal: a first bring-up takes minutes.
  bash "$REPO/local/openstack/up.sh" 2>&1 | tee -a "$LOG_DIR/openstack-up.log" \
    | { if [ "$QUIET" = 1 ]; then cat >/dev/null; else grep --line-buffered -E '^\[[0-9:]{8}\] |^OpenStack ready' >&2 || true; fi; } \
    || die "the local OpenStack did not come up: see $LOG_DIR/openstack-up.log and $EC2OS_STATE_DIR/logs/"
  export OS_CLIENT_CONFIG_FILE="$EC2OS_STATE_DIR/clouds.yaml" OS_CLOUD=ec2-service
  # Nova's metadata API, for the /openstack paths the metadata function passes on.
  if [ -f "$EC2OS_STATE_DIR/nova-metadata.env" ]; then set -a; source "$EC2OS_STATE_DIR/nova-metadata.env"; set +a; fi
fi

# The metadata function and the neutron metadata agent share this secret.
[ -f "$RUN_DIR/metadata-secret" ] || head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$RUN_DIR/metadata-secret"
export METADATA_SHARED_SECRET="${METADATA_SHARED_SECRET:-$(cat "$RUN_DIR/metadata-secret")}"

export EC2_TABLE_ENDPOINT="${EC2_TABLE_ENDPOINT:-http://127.0.0.1:$EC2_TABLE_PORT}"
export EC2_TABLE_NAME="${EC2_TABLE_NAME:-ec2-api-dev-state}"
export EC2_TABLE_REGION="${EC2_TABLE_REGION:-us-east-1}"
export EC2_DISPATCH="${EC2_DISPATCH:-lambda}"
export EC2_LAMBDA_ENDPOINT="${EC2_LAMBDA_ENDPOINT:-http://127.0.0.1:$EC2_LAMBDA_PORT}"
export EC2_ENDPOINT="${EC2_ENDPOINT:-http://127.0.0.1:$EC2_HTTP_PORT/}"
export EC2_HTTP_PORT EC2_LAMBDA_PORT
# A laptop (or a CI machine) running OpenStack beside us is slower than a cloud: allow more than
# API Gateway's 29 s before the local gateway gives up.
export EC2_FRONT_DOOR_TIMEOUT="${EC2_FRONT_DOOR_TIMEOUT:-180}"

if ! pid_alive table; then
  # dynalite: DynamoDB's API in Node, bound to loopback (DynamoDB Local cannot bind to one address).
  mkdir -p "$RUN_DIR/table"
  start_bg table "$LOG_DIR/table.log" "$REPO/node_modules/.bin/dynalite" \
    --host 127.0.0.1 --port "$EC2_TABLE_PORT" --path "$RUN_DIR/table"
  wait_for_port "$EC2_TABLE_PORT" "the state table (dynalite)" 30 "$LOG_DIR/table.log"
fi
(cd "$REPO" && node_modules/.bin/tsx local/ensure-table.ts) || die "could not create the state table"

# serverless-offline reads its environment when it starts: restart it when the settings change.
SETTINGS="$(env | grep -E '^(EC2_|OS_|METADATA_|NOVA_)' | sort | sha256sum | cut -c1-16)"
if pid_alive offline && [ "$(cat "$RUN_DIR/offline.settings" 2>/dev/null)" != "$SETTINGS" ]; then
  stop_bg offline
fi
if ! pid_alive offline; then
  : > "$LOG_DIR/offline.log"
  start_bg offline "$LOG_DIR/offline.log" "$REPO/node_modules/.bin/serverless" offline start --config "$REPO/serverless.yml"
  echo "$SETTINGS" > "$RUN_DIR/offline.settings"
  wait_for_port "$EC2_HTTP_PORT" "serverless-offline" 180 "$LOG_DIR/offline.log"
  wait_for_port "$EC2_LAMBDA_PORT" "serverless-offline's Lambda API" 60 "$LOG_DIR/offline.log"
fi

(cd "$REPO" && node_modules/.bin/tsx local/write-profile.ts $([ "$QUIET" = 1 ] && echo --quiet)) \
  || die "could not write the client profile"
