#!/usr/bin/env bash
# Starts a multi-node Orleans cluster on this machine, each node its own process on loopback:
#   a private store (the Orleans membership table and the publishing point settings all nodes share: PostgreSQL, or
#   Azurite, the Azure Storage emulator, for the Azure Table providers),
#   3 silos (grains, with the public endpoints co-hosted) and 2 gateways (public endpoints only: Orleans clients, no grains).
# Stop it with deploy/cluster-stop.sh. Arguments are passed to every node (e.g. --Logging:LogLevel:Default=Warning).
#
# Environment (defaults in brackets):
#   CLUSTER_DIR [./.cluster]         data folder: pg/ (database), logs/NAME.log, NAME.pid, data/NAME (each node's Cluster:DataPath)
#   CLUSTER_STORE [PostgreSql]       the shared store: PostgreSql, or AzureStorage (Azurite's table service, from the
#                                    npm packages test.sh installs in tests/players; data in azurite/)
#   CLUSTER_PG_PORT [55432]          PostgreSQL port
#   CLUSTER_AZURITE_PORT [10002]     Azurite's table port
#   CLUSTER_BASE_PORT [8080]         public HTTP: gateway-a = BASE, silo-N = BASE+N, gateway-b = BASE+10
#   CLUSTER_SILO_PORT [11111]        Orleans silo-to-silo port: silo-N = SILO_PORT+N-1; its Orleans gateway port (for the
#                                    gateway nodes) = SILO_PORT+N-1+100
#   CLUSTER_SILOS [3]                number of silos (at most 9, so their public ports stay below gateway-b's)
#   CLUSTER_JOIN                     a silo number N (1..9): start only silo-N and let it join the cluster already running
#                                    from CLUSTER_DIR (a silo added as an event grows, or one restarted after a crash);
#                                    CLUSTER_NODE=silo-N deploy/cluster-stop.sh takes one silo out again
#   CLUSTER_START_TIMEOUT [60]       seconds each node gets to answer /healthz
#   CLUSTER_NO_BUILD [0]             1: use the existing Release build instead of building first
#   CLUSTER_SILO_DLL                 the node binary to run [src/Cluster.Silo/bin/Release/net10.0/Cluster.Silo.dll]
#   PG_BIN                           PostgreSQL server binaries [newest /usr/lib/postgresql/*/bin, else pg_ctl on PATH]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(mkdir -p "${CLUSTER_DIR:-$repo/.cluster}" && cd "${CLUSTER_DIR:-$repo/.cluster}" && pwd)"
store="${CLUSTER_STORE:-PostgreSql}"
pg_port="${CLUSTER_PG_PORT:-55432}"
azurite_port="${CLUSTER_AZURITE_PORT:-10002}"
base="${CLUSTER_BASE_PORT:-8080}"
silo_port="${CLUSTER_SILO_PORT:-11111}"
silos="${CLUSTER_SILOS:-3}"
timeout="${CLUSTER_START_TIMEOUT:-60}"
dll="${CLUSTER_SILO_DLL:-$repo/src/Cluster.Silo/bin/Release/net10.0/Cluster.Silo.dll}"
join="${CLUSTER_JOIN:-}"
if (( silos < 1 || silos > 9 )); then
  echo "CLUSTER_SILOS must be 1..9 (was $silos)" >&2
  exit 2
fi
if [ "$store" != PostgreSql ] && [ "$store" != AzureStorage ]; then
  echo "CLUSTER_STORE must be PostgreSql or AzureStorage (was $store)" >&2
  exit 2
fi
if [ -n "$join" ] && ! [[ "$join" =~ ^[1-9]$ ]]; then
  echo "CLUSTER_JOIN must be a silo number 1..9 (was $join)" >&2
  exit 2
fi

# A node left running by an earlier start would clash on its ports: one cluster per data folder (one silo-N when joining).
for pid_file in "$dir"/${join:+silo-$join}*.pid; do
  [ -e "$pid_file" ] || continue
  if kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    echo "$(basename "$pid_file" .pid) is already running from $dir (pid $(cat "$pid_file")); run deploy/cluster-stop.sh first." >&2
    exit 1
  fi
  rm -f "$pid_file"
done

if [ "${CLUSTER_NO_BUILD:-0}" != 1 ]; then
  dotnet build "$repo/src/Cluster.Silo" -c Release -nologo -v quiet
fi
[ -f "$dll" ] || { echo "$dll not found: build it (unset CLUSTER_NO_BUILD) or set CLUSTER_SILO_DLL." >&2; exit 1; }

mkdir -p "$dir/logs"
# The data folder is local state, never something to commit.
[ -f "$dir/.gitignore" ] || echo '*' >"$dir/.gitignore"

# --- the store -----------------------------------------------------------------------------------------------
start_postgresql() {
  mkdir -p "$dir/pg"
  pg_bin="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
  [ -x "$pg_bin/pg_ctl" ] || pg_bin="$(dirname "$(command -v pg_ctl || echo /missing/pg_ctl)")"
  [ -x "$pg_bin/pg_ctl" ] || { echo "PostgreSQL server binaries not found: apt-get install postgresql (or set PG_BIN)." >&2; exit 1; }
  # PostgreSQL refuses to run as root: as root, its files belong to and its binaries run as the postgres user.
  as_pg=()
  if [ "$(id -u)" -eq 0 ]; then
    as_pg=(runuser -u postgres --)
    chown postgres:postgres "$dir/pg"
    touch "$dir/logs/postgresql.log" && chown postgres:postgres "$dir/logs/postgresql.log"
    runuser -u postgres -- test -w "$dir/pg" || { echo "The postgres user cannot write $dir/pg: every folder above it must be searchable by others (chmod o+x)." >&2; exit 1; }
  fi
  if [ ! -f "$dir/pg/data/PG_VERSION" ]; then
    "${as_pg[@]}" "$pg_bin/initdb" -D "$dir/pg/data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync >/dev/null
  fi
  if ! "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/pg/data" status >/dev/null 2>&1; then
    # fsync off: a local cluster's coordination data is cheap to lose, and start-up stays under a second.
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/pg/data" -l "$dir/logs/postgresql.log" -w -t 60 \
      -o "-p $pg_port -k '$dir/pg' -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null \
      || { echo "PostgreSQL did not start; end of $dir/logs/postgresql.log:" >&2; tail -n 20 "$dir/logs/postgresql.log" >&2; exit 1; }
  fi
  local db="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres"
  stores=("--Cluster:Membership:Provider=PostgreSql" "--Cluster:Membership:ConnectionString=$db")
  store_line="PostgreSQL on 127.0.0.1:$pg_port"
}

# Azurite's table service keeps its files in azurite/ (the cluster's state survives a restart, as PostgreSQL's does).
start_azurite() {
  local js="$repo/tests/players/node_modules/azurite/dist/src/table/main.js"
  [ -f "$js" ] || { echo "Azurite not found at $js: run (cd tests/players && npm ci) or ./test.sh once." >&2; exit 1; }
  command -v node >/dev/null 2>&1 || { echo "node not found: apt-get install nodejs." >&2; exit 1; }
  mkdir -p "$dir/azurite"
  local pid_file="$dir/azurite/azurite.pid"
  if ! { [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; }; then
    setsid node "$js" --tableHost 127.0.0.1 --tablePort "$azurite_port" --location "$dir/azurite" --skipApiVersionCheck \
      </dev/null >"$dir/logs/azurite.log" 2>&1 &
    echo $! >"$pid_file"
  fi
  local deadline=$((SECONDS + timeout))
  # Any HTTP answer (even an error for the bare URL) means the table service listens.
  until curl -sS -o /dev/null --max-time 2 "http://127.0.0.1:$azurite_port/" 2>/dev/null; do
    kill -0 "$(cat "$pid_file")" 2>/dev/null || { echo "Azurite exited; end of $dir/logs/azurite.log:" >&2; tail -n 20 "$dir/logs/azurite.log" >&2; exit 1; }
    (( SECONDS < deadline )) || { echo "Azurite did not listen on 127.0.0.1:$azurite_port within ${timeout}s." >&2; exit 1; }
    sleep 0.2
  done
  # Azurite's well-known development account (public, the same in every Azurite).
  local key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
  local tables="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;TableEndpoint=http://127.0.0.1:$azurite_port/devstoreaccount1;"
  stores=("--Cluster:Membership:Provider=AzureStorage" "--Cluster:Membership:ConnectionString=$tables")
  store_line="Azurite tables on 127.0.0.1:$azurite_port"
}

stores=()
store_line=""
if [ "$store" = AzureStorage ]; then start_azurite; else start_postgresql; fi

# --- nodes ----------------------------------------------------------------------------------------------------
names=()
ports=()
start_node() { # name public-port args...
  local name=$1 port=$2
  shift 2
  # setsid: the node outlives this script and a Ctrl-C in its terminal; the pid file is what cluster-stop.sh signals.
  # --contentRoot: appsettings.json is read from the content root, which is otherwise the current directory.
  # Cluster:DataPath before the caller's arguments, which may name another folder.
  setsid dotnet "$dll" --contentRoot "$(dirname "$dll")" --urls "http://127.0.0.1:$port" "${stores[@]}" "--Cluster:DataPath=$dir/data/$name" "$@" </dev/null >"$dir/logs/$name.log" 2>&1 &
  echo $! >"$dir/$name.pid"
  names+=("$name")
  ports+=("$port")
}

# A node is up when it answers /healthz; one that exits or stays silent stops the whole start, so no half cluster is left.
fail() {
  echo "$1 (last lines of $dir/logs/$2.log below); stopping the cluster." >&2
  tail -n 30 "$dir/logs/$2.log" >&2 || true
  CLUSTER_DIR="$dir" "$repo/deploy/cluster-stop.sh" >&2 || true
  exit 1
}
wait_healthy() { # waits for every node started so far
  local n name port deadline
  for n in "${!names[@]}"; do
    name=${names[$n]} port=${ports[$n]}
    deadline=$((SECONDS + timeout))
    until curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/healthz" 2>/dev/null; do
      kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null || fail "$name exited during start-up" "$name"
      (( SECONDS < deadline )) || fail "$name did not answer http://127.0.0.1:$port/healthz within ${timeout}s" "$name"
      sleep 0.2
    done
  done
}

start_silo() { # number args...
  local i=$1
  shift
  start_node "silo-$i" $((base + i)) "--Cluster:Silo:Name=silo-$i" "--Cluster:Silo:Endpoint=127.0.0.1:$((silo_port + i - 1))" \
    "--Cluster:Silo:GatewayPort=$((silo_port + i - 1 + 100))" "$@"
}

if [ -n "$join" ]; then
  start_silo "$join" "$@"
  wait_healthy
  echo "silo-$join joined the cluster running from $dir: http://127.0.0.1:$((base + join)) (log: $dir/logs/silo-$join.log)"
  exit 0
fi

# Silos first, together (the store serialises their schema set-up and joins). Gateways only once the silos are up:
# an Orleans client finds the silos' gateway ports in the membership table as it starts.
for i in $(seq 1 "$silos"); do
  start_silo "$i" "$@"
done
wait_healthy
start_node gateway-a "$base" --Cluster:Silo:Enabled=false "$@"
start_node gateway-b $((base + 10)) --Cluster:Silo:Enabled=false "$@"
wait_healthy

cat <<EOF
Cluster running from $dir ($store_line, $silos silos, 2 gateways; logs in $dir/logs).
  push: http://127.0.0.1:$base/live/event1.isml/Streams(video)         (gateway-a)
  play: http://127.0.0.1:$((base + 10))/live/event1.isml/Manifest               (gateway-b; also manifest(format=m3u8-cmaf), manifest(format=mpd-time-cmaf))
  silos: $(for i in $(seq 1 "$silos"); do printf 'http://127.0.0.1:%s ' $((base + i)); done)
Stop: deploy/cluster-stop.sh
EOF
