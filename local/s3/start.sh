#!/usr/bin/env bash
# Starts a local S3-compatible server (s3rver, from npm) for bundle registration tests, and makes
# the key bundles are encrypted for. Idempotent. Writes $EC2_RUN_DIR/s3/env with the settings the
# images function reads (EC2_S3_URL, EC2_S3_*, EC2_BUNDLE_PRIVATE_KEY_FILE); the endpoint must be
# (re)started with them in its environment.
#   local/s3/start.sh          # port ${EC2_S3_PORT:-4569}
#   local/s3/stop.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
RUN_DIR="${EC2_RUN_DIR:-$REPO/local/.run}"
S3_DIR="$RUN_DIR/s3"
PORT="${EC2_S3_PORT:-4569}"
mkdir -p "$S3_DIR/data"

if [ ! -x "$HERE/node_modules/.bin/s3rver" ]; then
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi

if [ ! -f "$S3_DIR/bundle-key.pem" ]; then
  openssl genrsa -out "$S3_DIR/bundle-key.pem" 2048 2>/dev/null
  openssl req -new -x509 -key "$S3_DIR/bundle-key.pem" -out "$S3_DIR/bundle-cert.pem" -days 3650 -subj "/CN=ec2-api local bundle key" 2>/dev/null
  chmod 600 "$S3_DIR/bundle-key.pem"
fi

alive() { [ -f "$S3_DIR/s3rver.pid" ] && kill -0 "$(cat "$S3_DIR/s3rver.pid")" 2>/dev/null; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

if ! alive; then
  setsid "$HERE/node_modules/.bin/s3rver" --address 127.0.0.1 --port "$PORT" --directory "$S3_DIR/data" --silent \
    >>"$S3_DIR/s3rver.log" 2>&1 </dev/null &
  echo $! >"$S3_DIR/s3rver.pid"
fi
for _ in $(seq 1 100); do listening && break; sleep 0.1; done
listening || { echo "s3rver did not start on 127.0.0.1:$PORT (see $S3_DIR/s3rver.log)" >&2; exit 1; }

# s3rver's fixed credentials.
cat >"$S3_DIR/env" <<ENV
export EC2_S3_URL=http://127.0.0.1:$PORT
export EC2_S3_REGION=us-east-1
export EC2_S3_ACCESS_KEY_ID=S3RVER
export EC2_S3_SECRET_ACCESS_KEY=S3RVER
export EC2_BUNDLE_PRIVATE_KEY_FILE=$S3_DIR/bundle-key.pem
ENV
echo "$S3_DIR/env"
