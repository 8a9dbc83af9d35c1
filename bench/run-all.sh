#!/usr/bin/env bash
# Every benchmark in full mode, for a quiet machine; prints all figures ready for BENCHMARKS.md (and keeps a copy).
#   bench/run-all.sh                  everything (about 30-40 minutes)
#   SKIP_MICRO=1 bench/run-all.sh     without the BenchmarkDotNet run
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${OUT:-/tmp/cluster-bench/run-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
exec > >(tee "$out/figures.md") 2>&1

echo "# Cluster benchmark run, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(dotnet --version) SDK"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

dotnet build Cluster.sln -c Release -nologo -v quiet
silo=src/Cluster.Silo/bin/Release/net10.0/Cluster.Silo.dll
loadbench=bench/Cluster.LoadBench/bin/Release/net10.0/Cluster.LoadBench.dll
benchmarks=bench/Cluster.Benchmarks/bin/Release/net10.0/Cluster.Benchmarks.dll

if [ -z "${SKIP_MICRO:-}" ]; then
  echo; echo "## Micro-benchmarks (BenchmarkDotNet)"
  # A longer capture than the three-track test file: 60 s of 640x360 at 1 Mbit/s, the one the load tools replay.
  capture=/tmp/cluster-bench/capture-1mbit-60s.ismv
  [ -f "$capture" ] || dotnet "$loadbench" memory --points 1 --capture "$capture" >/dev/null
  CLUSTER_BENCH_CAPTURE=$capture dotnet "$benchmarks" --filter '*' --artifacts "$out/bdn" >"$out/bdn.log" 2>&1
  cat "$out"/bdn/results/*-report-github.md
  echo; echo "## Manifest cache (2-hour DVR, 6 tracks)"
  dotnet "$benchmarks" --cache-check
fi

echo; echo "## Serving: ours vs nginx (same bytes, wrk -t2 -c64 -d10s)"
SILO_DLL=$silo bench/serving.sh

echo; echo "## Ingest capacity (1 Mbit/s tracks in real time)"
dotnet "$loadbench" ingest-capacity --silo "$silo"

echo; echo "## Latency (single node)"
dotnet "$loadbench" latency --silo "$silo"

echo; echo "## Memory"
dotnet "$loadbench" memory --silo "$silo"

echo; echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "figures kept in $out/figures.md"
