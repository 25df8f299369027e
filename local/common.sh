# Shared by local/start.sh, local/stop.sh and local/test.sh. Sourced, not run.
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="${EC2_RUN_DIR:-$REPO/local/.run}"
LOG_DIR="$RUN_DIR/logs"
PID_DIR="$RUN_DIR/pids"
export EC2OS_STATE_DIR="${EC2OS_STATE_DIR:-$RUN_DIR/openstack}"
EC2_HTTP_PORT="${EC2_HTTP_PORT:-3000}"
EC2_LAMBDA_PORT="${EC2_LAMBDA_PORT:-3002}"
EC2_TABLE_PORT="${EC2_TABLE_PORT:-8000}"
export EC2_BUILD_DIR="${EC2_BUILD_DIR:-.esbuild}"
mkdir -p "$LOG_DIR" "$PID_DIR"

say() { printf '%s %s\n' "[$(date +%H:%M:%S)]" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# Installs the npm dependencies when node_modules is missing or older than the lock file.
ensure_node_modules() {
  local stamp="$REPO/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$REPO/package-lock.json" -nt "$stamp" ]; then
    say "installing npm dependencies (npm ci)"
    (cd "$REPO" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
  fi
}

pid_alive() { [ -f "$PID_DIR/$1.pid" ] && kill -0 "$(cat "$PID_DIR/$1.pid")" 2>/dev/null; }

# start_bg NAME LOGFILE CMD...: runs CMD in its own process group, records its pid.
start_bg() {
  local name="$1" log="$2"; shift 2
  setsid "$@" >>"$log" 2>&1 < /dev/null &
  echo $! > "$PID_DIR/$name.pid"
}

stop_bg() {
  local name="$1" pid
  [ -f "$PID_DIR/$name.pid" ] || return 0
  pid="$(cat "$PID_DIR/$name.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$PID_DIR/$name.pid"
}

wait_for_port() {
  local port="$1" what="$2" seconds="${3:-60}" log="${4:-}"
  for _ in $(seq 1 $((seconds * 5))); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  die "$what did not start listening on 127.0.0.1:$port within ${seconds}s${log:+ (see $log)}"
}

# True when the operator configured a cloud of their own (clouds.yaml entry or OS_* variables).
external_cloud() { [ -n "${OS_CLOUD:-}" ] || [ -n "${OS_AUTH_URL:-}" ]; }
