#!/usr/bin/env bash
# One line per service of the local OpenStack: running/stopped, pid, port, log.
# Exit status 0 when everything runs, 3 otherwise.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

all=0
printf '%-17s %-8s %-8s %-6s %s\n' SERVICE STATE PID PORT LOG
for name in $(svc_names); do
  if pid="$(running_pid "$name")"; then state=running; else state=stopped; pid=-; all=3; fi
  printf '%-17s %-8s %-8s %-6s %s\n' "$name" "$state" "$pid" "$(svc_port "$name")" "$(logfile "$name")"
done
if [ -f "$STATE/fixtures.json" ]; then
  echo "ready: $STATE/fixtures.json"
else
  echo "not ready: no $STATE/fixtures.json"
fi
exit "$all"
