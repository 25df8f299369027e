# shellcheck shell=bash
# Shared by up.sh, down.sh and status.sh: paths, the service table, and the
# process bookkeeping (pid files, process groups). Sourced, never executed.

OS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$OS_DIR/../.." && pwd)"
STATE="${EC2OS_STATE_DIR:-$REPO_DIR/local/.run/openstack}"
case "$STATE" in /*) ;; *) STATE="$PWD/$STATE" ;; esac  # services chdir
ETC="$STATE/etc"
LOGS="$STATE/logs"
PIDS="$STATE/pids"
MARKERS="$STATE/markers"

# Debian's OpenStack lives in /usr/bin/python3; the python3 first on a
# developer's PATH (pyenv) has none of its modules.
export PATH="/usr/sbin:/usr/bin:/sbin:/bin:$PATH"
PY=/usr/bin/python3

# Service table, in start order: name, TCP port ("-" when the service listens
# on none), and whether it belongs to the "base" layer (databases, broker)
# that is stopped last.
SERVICES=(
  "mariadb 3306 base"
  "epmd 4369 base"
  "rabbitmq 5672 base"
  "keystone 5000 api"
  "placement 8778 api"
  "nova-api 8774 api"
  "nova-metadata 8775 api"
  "nova-conductor - worker"
  "nova-scheduler - worker"
  "nova-compute - worker"
  "neutron-server 9696 api"
  "cinder-api 8776 api"
  "cinder-scheduler - worker"
  "cinder-volume - worker"
  "glance-api 9292 api"
)

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# svc_port NAME -> its TCP port, or "-"
svc_port() {
  local want="$1" row
  for row in "${SERVICES[@]}"; do
    set -- $row
    if [ "$1" = "$want" ]; then echo "$2"; return 0; fi
  done
  return 1
}
svc_layer() {
  local want="$1" row
  for row in "${SERVICES[@]}"; do
    set -- $row
    if [ "$1" = "$want" ]; then echo "$3"; return 0; fi
  done
  return 1
}

svc_names() { local row; for row in "${SERVICES[@]}"; do echo "${row%% *}"; done; }

pidfile() { echo "$PIDS/$1.pid"; }
logfile() { echo "$LOGS/$1.log"; }

# Process start time (clock ticks since boot, field 22 of /proc/PID/stat):
# with the pid it identifies one process for good, so a stale pid file whose
# number got reused by some other process never matches. (The environment
# can't serve as a tag: setproctitle, used by neutron, overwrites it.)
proc_starttime() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"            # drop "pid (comm) ", comm may hold spaces
  set -- $stat
  echo "${20}"
}

record_pid() { # record_pid NAME PID
  echo "$2 $(proc_starttime "$2")" >"$(pidfile "$1")"
}

# Prints the recorded pid of NAME if that very process is running, else fails.
running_pid() {
  local f pid start now
  f="$(pidfile "$1")"
  [ -f "$f" ] || return 1
  read -r pid start <"$f" 2>/dev/null || return 1
  [ -n "$pid" ] && [ -n "$start" ] || return 1
  now="$(proc_starttime "$pid")" || return 1
  [ "$now" = "$start" ] || return 1
  echo "$pid"
}

is_running() { running_pid "$1" >/dev/null; }

# Any process still alive in process group PGID?
group_alive() { pgrep -g "$1" >/dev/null 2>&1; }

# Stop every service in "$@" (names) together: TERM their process groups,
# wait up to TIMEOUT seconds, then KILL what is left. Each service was started
# with setsid, so its pid is its process-group id and the group holds all its
# workers.
stop_services() {
  local timeout="$1"; shift
  local name pid pgids=() names=()
  for name in "$@"; do
    if pid="$(running_pid "$name")"; then
      kill -TERM -- "-$pid" 2>/dev/null || true
      pgids+=("$pid"); names+=("$name")
    fi
  done
  local deadline=$((SECONDS + timeout)) left
  while :; do
    left=()
    for pid in "${pgids[@]}"; do group_alive "$pid" && left+=("$pid"); done
    [ "${#left[@]}" -eq 0 ] && break
    if [ "$SECONDS" -ge "$deadline" ]; then
      for pid in "${left[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
      log "killed (no exit within ${timeout}s): process groups ${left[*]}"
      sleep 0.5
      break
    fi
    sleep 0.3
  done
  for name in "${names[@]}"; do rm -f "$(pidfile "$name")"; done
  [ "${#names[@]}" -eq 0 ] || log "stopped: ${names[*]}"
}
