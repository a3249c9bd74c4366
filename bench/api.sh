#!/usr/bin/env bash
# Benchmark of the upload API (issue 3): wrk POSTs the seed's body to
# /api/s3/getPresignedUrl with 64 connections for 15 s, on the same machine as the
# server; then 10,000 idle keep-alive connections are opened and the server's RSS read.
#
#   bench/api.sh [path/to/upgate]        (default: build/upgate)
#   DURATION=15s CONNECTIONS=64 WRK_THREADS=2 SERVER_THREADS=2 IDLE=10000 ACCESS_LOG=on
#
# Prints wrk's report (with latency percentiles) and a summary line per measurement.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
binary="${1:-$here/../build/upgate}"
duration="${DURATION:-15s}"
connections="${CONNECTIONS:-64}"
wrk_threads="${WRK_THREADS:-2}"
server_threads="${SERVER_THREADS:-2}"
idle="${IDLE:-10000}"
access_log="${ACCESS_LOG:-on}"

command -v wrk >/dev/null || { echo "bench/api.sh: wrk is not installed (scripts/setup.sh)"; exit 2; }
[ -x "$binary" ] || { echo "bench/api.sh: no upgate binary at $binary"; exit 2; }

port="$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
work="$(mktemp -d)"
trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
AWS_ACCESS_KEY_ID=AKIDBENCHMARK AWS_SECRET_ACCESS_KEY=bench-secret-not-real \
UPGATE_ACCESS_LOG="$access_log" \
  "$binary" serve --no-store --listen "127.0.0.1:$port" --threads "$server_threads" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.05
done

cat >"$work/seed.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"fileName":"holiday-photo.jpg","fileType":"image/jpeg","fileSize":2483712,"folderName":"services"}'
done = function(summary, latency, requests)
  io.write(string.format("SUMMARY requests/s=%.0f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
LUA

echo "== wrk: $connections connections, $duration, $wrk_threads wrk threads, $server_threads server threads, access log $access_log"
wrk -t "$wrk_threads" -c "$connections" -d "$duration" --latency -s "$work/seed.lua" \
  "http://127.0.0.1:$port/api/s3/getPresignedUrl"

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status"; }
before="$(rss_kib)"
echo "== $idle idle keep-alive connections"
/usr/bin/python3 "$here/idle_connections.py" 127.0.0.1 "$port" "$idle" "$server_pid"
echo "RSS before: $((before / 1024)) MiB"
