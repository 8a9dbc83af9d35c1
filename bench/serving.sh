#!/usr/bin/env bash
# Serving throughput: the silo against nginx serving the very same bytes, measured with wrk in one run.
#
# Fills a DVR with real ffmpeg fragments (pushed as fast as ffmpeg encodes, no -re; ffmpeg's closing mfra stops the
# point, so it serves VOD), copies the exact bytes each fragment URL answers into a private nginx root, then runs wrk
# cycling over the fragment URLs against both servers. Two variants: Smooth fragments and CMAF segments.
#
#   bench/serving.sh            full run: 150 s of 640x360 at 3 Mbit/s (~750 KB fragments), wrk -t2 -c64 -d10s
#   bench/serving.sh --smoke    seconds: 8 s of 320x180, wrk -t2 -c4 -d1s (checks the plumbing, not the speed)
#
# Environment: SILO_DLL (default src/Cluster.Silo/bin/Release/net10.0/Cluster.Silo.dll), MEDIA_SECONDS, VIDEO_KBPS,
# WRK_CONNECTIONS, WRK_DURATION, WRK_THREADS. Installs wrk and nginx from Debian when missing.
set -euo pipefail
root_dir=$(cd "$(dirname "$0")/.." && pwd)
smoke=0
[ "${1:-}" = "--smoke" ] && smoke=1

if [ $smoke -eq 1 ]; then
  media_seconds=${MEDIA_SECONDS:-8}; kbps=${VIDEO_KBPS:-1000}; size=320x180
  connections=${WRK_CONNECTIONS:-4}; duration=${WRK_DURATION:-1s}; warmup=""
else
  media_seconds=${MEDIA_SECONDS:-150}; kbps=${VIDEO_KBPS:-3000}; size=640x360
  connections=${WRK_CONNECTIONS:-64}; duration=${WRK_DURATION:-10s}; warmup=2s
fi
threads=${WRK_THREADS:-2}
silo_dll=${SILO_DLL:-$root_dir/src/Cluster.Silo/bin/Release/net10.0/Cluster.Silo.dll}
[ -f "$silo_dll" ] || { echo "No silo at $silo_dll: run 'dotnet build -c Release' first or set SILO_DLL" >&2; exit 1; }

need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
if [ ${#need[@]} -gt 0 ]; then
  echo "# installing ${need[*]} from Debian" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
silo_port=$(free_port)
nginx_port=$(free_port)
work=$(mktemp -d /tmp/cluster-serving.XXXXXX)
# nginx workers run as an unprivileged user: they must be able to read the root.
chmod 755 "$work"
silo_pid=""; nginx_pid=""
cleanup() {
  [ -n "$silo_pid" ] && kill "$silo_pid" 2>/dev/null && wait "$silo_pid" 2>/dev/null
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

dotnet "$silo_dll" --urls "http://127.0.0.1:$silo_port" --Logging:LogLevel:Default=Warning "--Cluster:DataPath=$work/data" >"$work/silo.log" 2>&1 &
silo_pid=$!
ours="http://127.0.0.1:$silo_port"
for _ in $(seq 1 300); do
  curl -fsS -o /dev/null "$ours/healthz" 2>/dev/null && break
  sleep 0.1
done
curl -fsS -o /dev/null "$ours/healthz"

point=bench/serving
echo "# pushing $media_seconds s of $size H.264 at $kbps kbit/s to $ours/$point.isml (as fast as ffmpeg encodes)" >&2
ffmpeg -hide_banner -loglevel error -f lavfi -i "testsrc2=size=$size:rate=25,noise=alls=25:allf=t" -t "$media_seconds" \
  -c:v libx264 -preset veryfast -b:v "${kbps}k" -minrate "${kbps}k" -maxrate "${kbps}k" -bufsize "$((kbps * 2))k" \
  -g 50 -keyint_min 50 -sc_threshold 0 -pix_fmt yuv420p -x264-params nal-hrd=cbr \
  -f ismv -movflags isml+frag_keyframe "$ours/$point.isml/Streams(video)"

# ffmpeg may exit before the origin has read the end of its body: wait until the manifest lists the finished session.
manifest=""
for _ in $(seq 1 300); do
  manifest=$(curl -fsS "$ours/$point.isml/Manifest" 2>/dev/null) && ! grep -qi 'IsLive="TRUE"' <<<"$manifest" && break
  manifest=""
  sleep 0.1
done
[ -n "$manifest" ] || { echo "the origin did not list the pushed session within 30 s; end of $work/silo.log:" >&2; tail -n 20 "$work/silo.log" >&2; exit 1; }
bitrate=$(grep -o 'Bitrate="[0-9]*"' <<<"$manifest" | head -1 | grep -o '[0-9]*')
playlist=$(curl -fsS "$ours/$point.isml/QualityLevels($bitrate)/Manifest(video,format=m3u8-cmaf)")
mapfile -t times < <(grep -o 'Fragments(video=[0-9]*' <<<"$playlist" | grep -o '[0-9]*$')
[ ${#times[@]} -gt 0 ] || { echo "no fragments listed" >&2; exit 1; }

mkdir -p "$work/root"
: >"$work/smooth.paths"; : >"$work/cmaf.paths"
for t in "${times[@]}"; do
  echo "/$point.isml/QualityLevels($bitrate)/Fragments(video=$t)" >>"$work/smooth.paths"
  echo "/$point.isml/QualityLevels($bitrate)/Fragments(video=$t,format=mpd-time-cmaf)" >>"$work/cmaf.paths"
done
# The very bytes our URLs answer become nginx's files, at the same paths.
while read -r path; do
  curl -fsS --create-dirs -o "$work/root$path" "$ours$path"
done < <(cat "$work/smooth.paths" "$work/cmaf.paths")
chmod -R a+rX "$work/root"

mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  default_type video/mp4;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/root;
    location / { }
  }
}
CONF
"$nginx_bin" -p "$work/nginx" -c "$work/nginx/nginx.conf" &
nginx_pid=$!
theirs="http://127.0.0.1:$nginx_port"
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "$theirs$(head -1 "$work/smooth.paths")" 2>/dev/null && break
  sleep 0.1
done

# Same bytes on both sides, or the comparison means nothing.
for list in smooth cmaf; do
  p=$(head -1 "$work/$list.paths")
  cmp -s <(curl -fsS "$ours$p") <(curl -fsS "$theirs$p") || { echo "nginx and the silo answer different bytes for $p" >&2; exit 1; }
done

# Prints "requests/s MB/s errors" of one wrk run.
run_wrk() {
  local base=$1 list=$2 out
  out=$(wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$root_dir/bench/cycle.lua" "$base" -- "$work/$list.paths")
  echo "$out" >>"$work/wrk.log"
  awk '
    /^Requests\/sec:/ { rps = $2 }
    /^Transfer\/sec:/ { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[A-Za-z]+$/, "", v);
                        m = (u == "GB") ? 1024 : (u == "MB") ? 1 : (u == "KB") ? 1 / 1024 : 1 / 1048576; mbs = v * m }
    /Non-2xx or 3xx responses:/ { err += $NF }
    /Socket errors:/ { err += 0 }
    END { printf "%.0f %.1f %d\n", rps, mbs, err + 0 }' <<<"$out"
}

avg_size() { local total=0 n=0 f; while read -r p; do f=$(stat -c %s "$work/root$p"); total=$((total + f)); n=$((n + 1)); done <"$work/$1.paths"; echo $((total / n / 1024)); }

echo "# machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# wrk -t$threads -c$connections -d$duration over ${#times[@]} fragment URLs; silo $silo_dll; $("$nginx_bin" -v 2>&1)"
echo "| variant | fragments | mean size | ours req/s | ours MB/s | nginx req/s | nginx MB/s | ratio ours/nginx (req/s) |"
echo "|---|---|---|---|---|---|---|---|"
status=0
for list in smooth cmaf; do
  if [ -n "$warmup" ]; then
    wrk -t"$threads" -c"$connections" -d"$warmup" -s "$root_dir/bench/cycle.lua" "$ours" -- "$work/$list.paths" >/dev/null
    wrk -t"$threads" -c"$connections" -d"$warmup" -s "$root_dir/bench/cycle.lua" "$theirs" -- "$work/$list.paths" >/dev/null
  fi
  read -r our_rps our_mbs our_err < <(run_wrk "$ours" "$list")
  read -r their_rps their_mbs their_err < <(run_wrk "$theirs" "$list")
  ratio=$(awk -v a="$our_rps" -v b="$their_rps" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')
  echo "| $list | ${#times[@]} | $(avg_size "$list") KB | $our_rps | $our_mbs | $their_rps | $their_mbs | $ratio |"
  if [ "$our_err" -ne 0 ] || [ "$their_err" -ne 0 ] || [ "$our_rps" -eq 0 ] || [ "$their_rps" -eq 0 ]; then
    echo "# $list: errors (ours $our_err, nginx $their_err non-2xx) or no requests; wrk output in the log below" >&2
    cat "$work/wrk.log" >&2
    status=1
  fi
  echo "result: serving $list ratio $ratio (ours $our_rps req/s, nginx $their_rps req/s; target >= 1.0)"
done
exit $status
