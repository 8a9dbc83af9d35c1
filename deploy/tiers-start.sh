#!/usr/bin/env bash
# Starts the tier topology large live events run on, each node its own process on loopback:
#   encoders -> ingest -> origin-a and origin-b (the ingest pushes every point to both)
#            -> distribution (pulls each configured point from origin-a, with origin-b as its backup URL) -> viewers.
# Each node is a single-node cluster with its own data folder (persisted point settings, the origins' archives).
# Roles are JSON files in deploy/tiers/ (ingest.json, origin.json, distribution.json); the URLs that join the tiers
# are made here from the ports. Stop it with CLUSTER_DIR=<same folder> deploy/cluster-stop.sh (or deploy/tiers-stop.sh).
# Arguments are passed to every node (e.g. --Logging:LogLevel:Default=Warning).
#
# Environment (defaults in brackets):
#   TIERS_DIR [./.tiers]            data folder: logs/NAME.log, NAME.pid, data/NAME (each node's Cluster:DataPath)
#   TIERS_BASE_PORT [8100]          ingest = BASE, origin-a = BASE+1, origin-b = BASE+2, distribution = BASE+3;
#                                   each node's Orleans silo port is its HTTP port + 20, its gateway port + 40
#   TIERS_POINTS [live/event1]      points the distribution pulls (space-separated paths; empty: none, add them with
#                                   PUT /admin/publishing-points/{path} and a pullInput)
#   TIERS_START_TIMEOUT [60]        seconds each node gets to answer /healthz
#   TIERS_NO_BUILD [0]              1: use the existing Release build instead of building first
#   CLUSTER_SILO_DLL                the node binary [src/Cluster.Silo/bin/Release/net10.0/Cluster.Silo.dll]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(mkdir -p "${TIERS_DIR:-$repo/.tiers}" && cd "${TIERS_DIR:-$repo/.tiers}" && pwd)"
base="${TIERS_BASE_PORT:-8100}"
points="${TIERS_POINTS-live/event1}"
timeout="${TIERS_START_TIMEOUT:-60}"
dll="${CLUSTER_SILO_DLL:-$repo/src/Cluster.Silo/bin/Release/net10.0/Cluster.Silo.dll}"

for pid_file in "$dir"/*.pid; do
  [ -e "$pid_file" ] || continue
  if kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    echo "Tiers are already running from $dir ($(basename "$pid_file" .pid), pid $(cat "$pid_file")); run deploy/tiers-stop.sh first." >&2
    exit 1
  fi
  rm -f "$pid_file"
done

if [ "${TIERS_NO_BUILD:-0}" != 1 ]; then
  dotnet build "$repo/src/Cluster.Silo" -c Release -nologo -v quiet
fi
[ -f "$dll" ] || { echo "$dll not found: build it (unset TIERS_NO_BUILD) or set CLUSTER_SILO_DLL." >&2; exit 1; }
mkdir -p "$dir/logs"
[ -f "$dir/.gitignore" ] || echo '*' >"$dir/.gitignore"

url() { echo "http://127.0.0.1:$1"; }
ingest=$base origin_a=$((base + 1)) origin_b=$((base + 2)) distribution=$((base + 3))

names=()
ports=()
start_node() { # name port role args...
  local name=$1 port=$2 role=$3
  shift 3
  setsid dotnet "$dll" --contentRoot "$(dirname "$dll")" --config "$repo/deploy/tiers/$role.json" --urls "$(url "$port")" \
    "--Cluster:DataPath=$dir/data/$name" "--Cluster:Silo:Name=$name" \
    "--Cluster:Silo:Endpoint=127.0.0.1:$((port + 20))" "--Cluster:Silo:GatewayPort=$((port + 40))" "$@" </dev/null >"$dir/logs/$name.log" 2>&1 &
  echo $! >"$dir/$name.pid"
  names+=("$name")
  ports+=("$port")
}
fail() {
  echo "$1 (last lines of $dir/logs/$2.log below); stopping the tiers." >&2
  tail -n 30 "$dir/logs/$2.log" >&2 || true
  CLUSTER_DIR="$dir" "$repo/deploy/cluster-stop.sh" >&2 || true
  exit 1
}
wait_healthy() {
  local n name port deadline
  for n in "${!names[@]}"; do
    name=${names[$n]} port=${ports[$n]}
    deadline=$((SECONDS + timeout))
    until curl -fsS -o /dev/null --max-time 2 "$(url "$port")/healthz" 2>/dev/null; do
      kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null || fail "$name exited during start-up" "$name"
      (( SECONDS < deadline )) || fail "$name did not answer $(url "$port")/healthz within ${timeout}s" "$name"
      sleep 0.2
    done
  done
}

# Downstream first, so the ingest's first push finds its origins up.
pulls=()
for point in $points; do
  pulls+=("--Cluster:PublishingPoints:Points:$point:PullInput:Urls:0=$(url "$origin_a")/$point.isml"
          "--Cluster:PublishingPoints:Points:$point:PullInput:Urls:1=$(url "$origin_b")/$point.isml")
done
start_node origin-a "$origin_a" origin "$@"
start_node origin-b "$origin_b" origin "$@"
start_node distribution "$distribution" distribution "${pulls[@]}" "$@"
start_node ingest "$ingest" ingest \
  "--Cluster:PublishingPoints:Defaults:PushOutputs:0=$(url "$origin_a")/{path}.isml" \
  "--Cluster:PublishingPoints:Defaults:PushOutputs:1=$(url "$origin_b")/{path}.isml" "$@"
wait_healthy

first=${points%% *}
first=${first:-live/event1}
cat <<EOF
Tiers running from $dir (logs in $dir/logs):
  ingest        $(url "$ingest")      push: $(url "$ingest")/$first.isml/Streams(video)
  origin-a      $(url "$origin_a")      (pushed to by the ingest; archive in $dir/data/origin-a/archive)
  origin-b      $(url "$origin_b")      (pushed to by the ingest; the distribution's backup)
  distribution  $(url "$distribution")      play: $(url "$distribution")/$first.isml/Manifest, manifest(format=m3u8-cmaf), manifest(format=mpd-time-cmaf)
Stop: TIERS_DIR=$dir deploy/tiers-stop.sh
EOF
