#!/usr/bin/env bash
# One line per service of the local OpenStack: running/stopped, pid, port,
# resident memory of its process group, log. Exit status 0 when everything
# runs, 3 otherwise.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Summed RSS (MiB) of process group PGID. Forked workers share pages with
# their parent, so this overstates the real footprint a little.
group_rss_mib() { ps -o rss= -g "$1" 2>/dev/null | awk '{s+=$1} END {printf "%d", s/1024}'; }

all=0 total=0
printf '%-17s %-8s %-7s %-5s %7s  %s\n' SERVICE STATE PID PORT RSS_MiB LOG
for name in $(svc_names); do
  rss=-
  if pid="$(running_pid "$name")"; then
    state=running; rss="$(group_rss_mib "$pid")"; total=$((total + rss))
  else
    state=stopped; pid=-; all=3
  fi
  printf '%-17s %-8s %-7s %-5s %7s  %s\n' "$name" "$state" "$pid" "$(svc_port "$name")" "$rss" "$(logfile "$name")"
done
printf '%-17s %-8s %-7s %-5s %7s\n' total "" "" "" "$total"
if [ -f "$STATE/fixtures.json" ]; then
  echo "ready: $STATE/fixtures.json"
else
  echo "not ready: no $STATE/fixtures.json"
fi
exit "$all"
