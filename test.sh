#!/usr/bin/env bash
# Runs every test: unit tests and the integration tests with real ffmpeg and headless Chromium.
# Installs what the tests need when it is missing (Debian packages, the players from npm).
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# The benchmark smoke tests compare the silo with nginx under wrk (bench/serving.sh --smoke).
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v curl >/dev/null 2>&1 || need+=(curl) # deploy/cluster-start.sh waits on /healthz with it
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
# GStreamer reads the MPEG-2 TS HLS output as an independent client (hlsdemux, tsdemux, h264parse from -bad; souphttpsrc, aacparse from -good).
{ command -v gst-inspect-1.0 >/dev/null 2>&1 && gst-inspect-1.0 hlsdemux >/dev/null 2>&1 && gst-inspect-1.0 souphttpsrc >/dev/null 2>&1; } \
  || need+=(gstreamer1.0-tools gstreamer1.0-plugins-good gstreamer1.0-plugins-bad)
# The coordination-store tests start a throwaway PostgreSQL server from the Debian server binaries.
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing ${need[*]} from Debian"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ ! -f tests/players/node_modules/dashjs/package.json ] || [ ! -f tests/players/node_modules/hls.js/package.json ] \
  || [ ! -f tests/players/node_modules/shaka-player/package.json ] || [ ! -f tests/players/node_modules/azurite/package.json ]; then
  echo "Installing the test players (dash.js, hls.js, Shaka) and Azurite (the Azure Storage emulator) from npm"
  (cd tests/players && npm ci --no-audit --no-fund --loglevel=error)
fi

dotnet build Cluster.sln -c Release -nologo -v quiet

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
# A test that hangs fails its project after 10 minutes, with a dump, instead of stalling the run.
dotnet test Cluster.sln -c Release --no-build -nologo --logger "console;verbosity=normal" --blame-hang-timeout 10m "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One summary line over every test project.
# dotnet prints "Failed: N" only when N > 0, so awk does the matching (grep would fail the pipeline on no match).
passed=$(awk '/^[[:space:]]+Passed: [0-9]+$/ { s += $2 } END { print s + 0 }' "$log")
failed=$(awk '/^[[:space:]]+Failed: [0-9]+$/ { s += $2 } END { print s + 0 }' "$log")
echo "$passed passed, $failed failed"
exit "$status"
