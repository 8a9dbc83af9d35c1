#!/usr/bin/env bash
# Stops the cluster deploy/cluster-start.sh (or deploy/tiers-start.sh) started from the same data folder; safe to run when nothing runs.
# Gateways go first (no new requests reach the silos), then the silos leave gracefully on SIGTERM (ShuttingDown,
# grains deactivate and leave the directory, Dead); a node still running after the grace period is killed.
#
# Environment (defaults in brackets):
#   CLUSTER_DIR [./.cluster]     the data folder cluster-start.sh used
#   CLUSTER_STOP_TIMEOUT [30]    seconds each tier gets to exit after SIGTERM before SIGKILL
#   CLUSTER_NODE                 one node's name (e.g. silo-2): stop only that node, gracefully, and leave the rest running
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="${CLUSTER_DIR:-$repo/.cluster}"
timeout="${CLUSTER_STOP_TIMEOUT:-30}"
[ -d "$dir" ] || { echo "Nothing to stop: $dir does not exist."; exit 0; }

# The pid of a node this cluster started, or nothing when it has exited (a reused pid running something else
# is not ours to signal).
node_pid() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 0
  if [ -n "$pid" ] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q 'Cluster\.Silo'; then
    echo "$pid"
  fi
}

stop_tier() { # pid files...
  local pids=() pid_file pid
  for pid_file in "$@"; do
    [ -e "$pid_file" ] || continue
    pid=$(node_pid "$pid_file")
    if [ -n "$pid" ]; then
      echo "Stopping $(basename "$pid_file" .pid) (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  local deadline=$((SECONDS + timeout))
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "pid $pid still running after ${timeout}s: killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  rm -f "$@"
}

if [ -n "${CLUSTER_NODE:-}" ]; then
  [[ "$CLUSTER_NODE" =~ ^[A-Za-z0-9_-]+$ ]] || { echo "CLUSTER_NODE must be a node name such as silo-2 (was $CLUSTER_NODE)" >&2; exit 2; }
  [ -e "$dir/$CLUSTER_NODE.pid" ] || { echo "No $CLUSTER_NODE.pid in $dir: nothing to stop."; exit 0; }
  stop_tier "$dir/$CLUSTER_NODE.pid"
  exit 0
fi

stop_tier "$dir"/gateway-*.pid
stop_tier "$dir"/silo-*.pid
# Nodes of deploy/tiers-start.sh (ingest first, so the origins see its pushes end before they stop).
stop_tier "$dir"/ingest.pid
stop_tier "$dir"/*.pid

# Azurite (CLUSTER_STORE=AzureStorage) after the silos, for the same reason as PostgreSQL below.
azurite_pid=$(cat "$dir/azurite/azurite.pid" 2>/dev/null || true)
if [ -n "$azurite_pid" ] && tr '\0' ' ' 2>/dev/null <"/proc/$azurite_pid/cmdline" | grep -q azurite; then
  echo "Stopping Azurite (pid $azurite_pid)"
  kill -TERM "$azurite_pid" 2>/dev/null || true
  deadline=$((SECONDS + timeout))
  while kill -0 "$azurite_pid" 2>/dev/null && (( SECONDS < deadline )); do
    sleep 0.2
  done
  kill -KILL "$azurite_pid" 2>/dev/null || true
fi
rm -f "$dir/azurite/azurite.pid"

# PostgreSQL last: leaving silos still write their Dead rows. "fast" rolls back open sessions and shuts down cleanly.
if [ -f "$dir/pg/data/postmaster.pid" ]; then
  pg_bin="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
  [ -x "$pg_bin/pg_ctl" ] || pg_bin="$(dirname "$(command -v pg_ctl)")"
  as_pg=()
  [ "$(id -u)" -ne 0 ] || as_pg=(runuser -u postgres --)
  echo "Stopping PostgreSQL"
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/pg/data" -m fast -w -t "$timeout" stop >/dev/null || true
fi
