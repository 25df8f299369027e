#!/usr/bin/env bash
# Stops exactly the services local/openstack/up.sh started (by their recorded
# pids / process groups: TERM, then KILL after a timeout). Data stays, so the
# next up.sh is a fast restart.
#
#   local/openstack/down.sh           stop
#   local/openstack/down.sh --purge   stop and delete the whole state dir
#                                     (databases, images, configs, secrets):
#                                     the next up.sh initialises from scratch
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

purge=false
case "${1:-}" in
  "") ;;
  --purge) purge=true ;;
  *) die "usage: $0 [--purge]" ;;
esac

[ "$(id -u)" = 0 ] || die "must run as root (the services run as root)"
if [ ! -d "$STATE" ]; then
  echo "nothing to stop: no state at $STATE"
  exit 0
fi

exec 9>"$STATE/.lock"
flock -w 900 9 || die "another up.sh/down.sh holds $STATE/.lock"

# The stack is going away: readers must not take it for ready.
rm -f "$STATE/fixtures.json"

layer() { local name; for name in $(svc_names); do [ "$(svc_layer "$name")" = "$1" ] || continue; echo "$name"; done; }

# OpenStack services first (all at once), then the broker and the database
# they were still talking to (together: nothing uses them any more).
stop_services 30 $(layer api) $(layer worker)
stop_services 60 rabbitmq epmd mariadb

if $purge; then
  # Only ever delete a directory that up.sh made.
  [ -f "$STATE/secrets.env" ] || [ -d "$STATE/markers" ] \
    || die "$STATE does not look like an up.sh state dir; not deleting it"
  rm -rf -- "$STATE"
  echo "purged $STATE"
else
  echo "stopped; data kept in $STATE"
fi
